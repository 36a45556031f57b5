"""The hqsim Streamlit dashboard: a thin presentation layer over the ``sim`` library.

Start it from the repository folder with ``.venv/bin/streamlit run dashboard/app.py``.
Every number and chart it shows comes from ``sim`` functions that the
command line uses too. The modules here only load inputs, call those
functions, cache their results and lay them out.
"""
