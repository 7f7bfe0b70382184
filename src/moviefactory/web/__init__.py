"""The local web studio (`moviefactory serve`): FastAPI app (app.py), restart-safe job queue (jobs.py), and a
single page with no build step (static/). Import `moviefactory.web.app` only where FastAPI is wanted."""
