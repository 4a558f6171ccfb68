"""A CSV file as a download: named, never cached (it may hold what only the signed-in person may see)."""

from flask import Response


def csv_download(filename: str, text: str) -> Response:
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })
