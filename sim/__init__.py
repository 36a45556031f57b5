"""hqsim: a tabletop-exercise simulator for a city's on-site command HQ (现场指挥部).

The package is the simulation library. It loads the organisation (the 12
working groups and their departments) and scenarios from YAML, runs the
discrete-event model with simpy, computes metrics over replications, and
writes results and figures. It does not import or depend on the Streamlit dashboard.
"""

__version__ = "0.1.0"
