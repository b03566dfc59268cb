"""The application served as in production (waitress, the same settings and threads as ``commission serve``),
plus one page of the benchmark's own: the floor every page is measured against.

    python -m benchmarks.server --port 8101   (settings from the COMMISSION_* environment, as ``commission serve``)

The floor, ``/_benchmark/floor``, goes through everything a page goes through (the same app, its session
and login checks, its headers, its unit of work, the same template engine) but does the least a page can
do: one indexed query (the logged-in account by its primary key) and a minimal template. What a page costs
above it is what the page itself does. It exists only in this process, never in the application.
"""

from __future__ import annotations

import argparse
import sys

from flask import Blueprint, render_template_string
from sqlalchemy import select

from commission.config import load_settings
from commission.db import make_engine
from commission.models.accounts import User
from commission.web import create_app
from commission.web.shell import db, login_required, require_user

FLOOR_PATH = "/_benchmark/floor"
FLOOR_TEMPLATE = "<!doctype html><html lang=fr><title>{{ name }}</title><main><p>{{ name }}</p></main></html>"

floor = Blueprint("benchmark_floor", __name__)


@floor.get(FLOOR_PATH)
@login_required
def floor_page() -> str:
    user = require_user()
    name = db().execute(select(User.display_name).where(User.id == user.id)).scalar_one()
    return render_template_string(FLOOR_TEMPLATE, name=name)


def main(argv: list[str] | None = None) -> int:
    import waitress

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)  # commission serve's default
    args = parser.parse_args(argv)
    settings = load_settings()
    app = create_app(settings, engine=make_engine(settings.database_url))
    app.register_blueprint(floor)
    print(f"serving on http://{args.host}:{args.port}/", flush=True)
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="commission",
                   connection_limit=200, backlog=256, channel_timeout=120)
    return 0


if __name__ == "__main__":
    sys.exit(main())
