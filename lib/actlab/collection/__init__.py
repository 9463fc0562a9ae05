"""The machinery that runs this collection's notebooks (not needed to use the library).

`runner` executes notebooks headlessly (papermill; `make figures`), `session` is what a notebook
calls first and last (`start_run`, `Run.finish`), `outputs` decides where every generated file
goes, `reports` renders the HTML reports and their index from `templates/`, `tables` and
`plotting` present results for people, `models` holds notebook 01's ResNet and `experiments/`
each notebook's own logic. This package may import the core (`actlab.*`); the core never
imports it (an import-linter contract in pyproject.toml).
"""
