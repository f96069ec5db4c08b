"""The browser app (Solara): `make app`, or `solara run server/app.py`; in Jupyter, `Page()`.

app.py         the page: controls left, views centre, the active lesson right; one run per session
session.py     a run's recipe (`RunSpec`) and a session's state (model, play, lesson, redraw
               counter)
levers.py      which parameters get controls; labels, ranges and defaults come from model.params
curriculum.py  lessons, read from lessons/*.toml
components/    one Solara component per view, each reading only the model's three tables
viz.py         the same views inside Mesa's SolaraViz
assets.py      `python -m server.assets`: fill Solara's CDN cache from npm, for offline use
"""
