"""Task types and their follow-up graph.

A task type's completion can release follow-up task types, with
probabilities, so the task types form a directed graph. This module builds
the task types from a scenario file and checks the graph: every follow-up
names an existing task type, no chain of follow-ups returns to where it
started (a cycle would create tasks without end), and the expected number of
tasks one task's chain creates stays within ``MAX_FOLLOW_UP_TASKS``.
"""

from __future__ import annotations

from sim.checks import FieldChecker
from sim.errors import IssueCollector
from sim.limits import MAX_FOLLOW_UP_TASKS, MAX_TASK_TYPES
from sim.organisation import Organisation
from sim.scenario import FollowUp, FollowUpChoice, TaskType

def _parse_follow_up(item, path, check: FieldChecker) -> FollowUp | None:
    item = check.mapping(item, path, "后续任务", "A follow-up")
    if item is None:
        return None
    check.unknown_keys(item, {"task", "probability"}, path)
    probability = check.number(item, "probability", path, 0.0, 1.0, default=1.0)
    task = check.text(item, "task", path)
    if not task:
        return None
    return FollowUp(task, probability if probability is not None else 1.0)


def parse_task_types(data, check: FieldChecker, organisation: Organisation,
                      target_ids: list[str]) -> tuple[dict[str, TaskType], list[str]]:
    """Return the valid task types and the ids of all task types written in the file, valid or not.

    References are checked against all written ids, so that one invalid task
    type is reported once, not again at every inject that names it.
    """

    items = check.sequence(data.get("task_types"), "task_types", "任务类型列表（task_types）", "The list 'task_types'") or []
    if len(items) > MAX_TASK_TYPES:
        check.c.add("task_types", f"任务类型过多（{len(items)} 个，上限 {MAX_TASK_TYPES}）。",
                    f"Too many task types ({len(items)}, limit {MAX_TASK_TYPES}).", len(items),
                    "上限防止一次运行耗时过长；请合并相似的任务类型。",
                    "The limit keeps one run from taking too long; merge similar task types.")
        return {}, []

    defined: list[str] = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("id"), (str, int, float)) and not isinstance(item["id"], bool):
            task_id = str(item["id"]).strip()
            if task_id and task_id not in defined:
                defined.append(task_id)

    task_types: dict[str, TaskType] = {}
    first_paths: dict[str, str] = {}
    pending_refs: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        item_path = f"task_types[{index}]"
        item = check.mapping(item, item_path, "任务类型", "A task type")
        if item is None:
            continue
        check.unknown_keys(item, {"id", "name_en", "group", "duty", "duration", "requires", "priority",
                                  "target", "follow_ups", "note"}, item_path)
        task_id = check.unique_id(item, item_path, first_paths, "任务类型“{id}”重复",
                                  "Task type '{id}' is defined twice",
                                  "请删除重复项，或改用不同的 id。", "Remove the duplicate or use another id.")
        if task_id is None:
            continue

        group_name = check.name_ref(item.get("group"), organisation.group_names, f"{item_path}.group", "工作组", "Group")
        duty = check.integer(item, "duty", item_path, 1, 99, default=1)
        if group_name and duty is not None and organisation.group(group_name).duty(duty) is None:
            numbers = [d.number for d in organisation.group(group_name).duties]
            check.c.add(f"{item_path}.duty", f"工作组“{group_name}”没有第 {duty} 项职责。",
                        f"Group '{group_name}' has no duty {duty}.", duty,
                        f"可用职责序号：{numbers}。", f"Its duties are numbered {numbers}.")

        requires = []
        for req_index, name in enumerate(check.sequence(item.get("requires"), f"{item_path}.requires",
                                                        "所需部门（requires）", "The list 'requires'", optional=True) or []):
            ref = check.name_ref(name, organisation.department_names, f"{item_path}.requires[{req_index}]",
                                 "部门", "Department")
            if ref and ref not in requires:
                requires.append(ref)

        target = item.get("target")
        if target is not None:
            target = check.name_ref(target, target_ids, f"{item_path}.target", "时间目标", "Target")

        follow_ups = _parse_follow_ups(item, item_path, check, pending_refs)
        duration = check.distribution(item, "duration", item_path)
        priority = check.integer(item, "priority", item_path, 1, 9, default=3)
        if not task_id or not group_name or duration is None:
            continue
        task_types[task_id] = TaskType(
            id=task_id, group=group_name, duty=duty or 1, duration=duration, requires=tuple(requires),
            priority=priority or 3, target=target, follow_ups=tuple(follow_ups),
            name_en=check.text(item, "name_en", item_path, required=False),
        )

    for task, ref_path in pending_refs:
        if task not in defined:
            check.name_ref(task, defined, ref_path, "任务类型", "Task type")
    return task_types, defined


def _parse_follow_ups(item: dict, item_path: str, check: FieldChecker,
                      pending_refs: list[tuple[str, str]]) -> list[FollowUp | FollowUpChoice]:
    follow_ups: list[FollowUp | FollowUpChoice] = []
    for fu_index, entry in enumerate(check.sequence(item.get("follow_ups"), f"{item_path}.follow_ups",
                                                    "后续任务列表（follow_ups）", "The list 'follow_ups'",
                                                    optional=True) or []):
        fu_path = f"{item_path}.follow_ups[{fu_index}]"
        if not (isinstance(entry, dict) and "one_of" in entry):
            parsed = _parse_follow_up(entry, fu_path, check)
            if parsed:
                follow_ups.append(parsed)
                pending_refs.append((parsed.task, f"{fu_path}.task"))
            continue

        check.unknown_keys(entry, {"one_of"}, fu_path)
        options = []
        for opt_index, option in enumerate(check.sequence(entry["one_of"], f"{fu_path}.one_of",
                                                          "互斥后续任务（one_of）", "The list 'one_of'") or []):
            parsed = _parse_follow_up(option, f"{fu_path}.one_of[{opt_index}]", check)
            if parsed:
                options.append(parsed)
                pending_refs.append((parsed.task, f"{fu_path}.one_of[{opt_index}].task"))
        total = sum(option.probability for option in options)
        if total > 1 + 1e-9:
            check.c.add(f"{fu_path}.one_of", f"互斥后续任务的概率之和为 {total:g}，超过 1。",
                        f"The probabilities of mutually exclusive follow-ups sum to {total:g}, above 1.",
                        [option.probability for option in options],
                        "请调整概率，使其总和不超过 1（剩余部分表示不触发任何后续任务）。",
                        "Adjust them to sum to at most 1 (the rest means no follow-up).")
        follow_ups.append(FollowUpChoice(tuple(options)))
    return follow_ups


def check_follow_up_cycles(task_types: dict[str, TaskType], collector: IssueCollector,
                            defined: list[str]) -> bool:
    """Record an issue for each cycle in the follow-up graph (depth-first search); return True if any.

    ``defined`` lists the task type ids in file order, so that an issue
    points at ``task_types[i]`` of the file.
    """

    def successors(task_id):
        for entry in task_types[task_id].follow_ups:
            options = entry.options if isinstance(entry, FollowUpChoice) else (entry,)
            for option in options:
                if option.task in task_types:
                    yield option.task

    state: dict[str, int] = {}
    reported: set[frozenset] = set()
    for root in task_types:
        if state.get(root):
            continue
        stack = [(root, iter(successors(root)))]
        trail = [root]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                trail.pop()
                continue
            if state.get(child) == 1:
                cycle = trail[trail.index(child):] + [child]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    index = defined.index(child)
                    chain = " → ".join(cycle)
                    collector.add(f"task_types[{index}].follow_ups", f"后续任务构成循环：{chain}。",
                                  f"The follow-up tasks form a cycle: {chain}.", chain,
                                  "请删除其中一条后续关系，使任务链能够结束。",
                                  "Remove one of these follow-up links so the chain can end.")
            elif not state.get(child):
                state[child] = 1
                trail.append(child)
                stack.append((child, iter(successors(child))))
    return bool(reported)


def check_follow_up_growth(task_types: dict[str, TaskType], collector: IssueCollector, defined: list[str]) -> None:
    """Record an issue for a task type whose chain of follow-ups creates too many tasks on average.

    The expected number of tasks one task creates, itself included, is
    1 + the sum of probability × that number for each follow-up. The graph
    has no cycles here, so the recursion ends.
    """

    expected: dict[str, float] = {}

    def tasks_created(task_id: str) -> float:
        if task_id not in expected:
            total = 1.0
            for entry in task_types[task_id].follow_ups:
                options = entry.options if isinstance(entry, FollowUpChoice) else (entry,)
                total += sum(option.probability * tasks_created(option.task)
                             for option in options if option.task in task_types)
            expected[task_id] = min(total, 1e300)
        return expected[task_id]

    order = _topological_order(task_types)
    for task_id in reversed(order):
        tasks_created(task_id)
    for task_id in order:
        if expected[task_id] > MAX_FOLLOW_UP_TASKS:
            collector.add(f"task_types[{defined.index(task_id)}].follow_ups",
                          f"任务“{task_id}”的后续任务链平均会产生约 {expected[task_id]:.3g} 个任务，上限 {MAX_FOLLOW_UP_TASKS}。",
                          f"The follow-up chain of '{task_id}' creates about {expected[task_id]:.3g} tasks on average, "
                          f"limit {MAX_FOLLOW_UP_TASKS}.", expected[task_id],
                          "请降低后续任务的概率，或减少每个任务的后续任务数。",
                          "Lower the follow-up probabilities, or give each task fewer follow-ups.")
            return


def _topological_order(task_types: dict[str, TaskType]) -> list[str]:
    """Return the task type ids so that each comes before its follow-ups (the graph has no cycles)."""

    order: list[str] = []
    done: set[str] = set()
    for root in task_types:
        if root in done:
            continue
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if node in done:
                continue
            done.add(node)
            stack.append((node, True))
            for entry in task_types[node].follow_ups:
                options = entry.options if isinstance(entry, FollowUpChoice) else (entry,)
                stack.extend((option.task, False) for option in options
                             if option.task in task_types and option.task not in done)
    order.reverse()
    return order


