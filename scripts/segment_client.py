#!/usr/bin/env python3
"""Send one identify and one track to a leadflow server with Segment's own Python library.

Usage: segment_client.py HOST WRITE_KEY EMAIL

HOST is the server's base URL (http://127.0.0.1:8080); WRITE_KEY is one of its
[auth].api_keys. The library (PyPI `segment-analytics-python`, module `segment.analytics`)
posts to HOST/v1/batch with the key as the HTTP Basic user name, as it does to Segment.
Exits 1 if the library reports a failed upload, 2 if it is not installed.
"""

import sys


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 64
    host, write_key, email = argv[1], argv[2], argv[3]
    try:
        import segment.analytics as analytics
    except ImportError as e:
        print(
            f"segment_client.py: cannot import segment.analytics ({e}); "
            "install it with: python3 -m pip install segment-analytics-python",
            file=sys.stderr,
        )
        return 2

    failures = []

    def on_error(error, batch):
        failures.append(f"{error} (batch of {len(batch)})")

    analytics.write_key = write_key
    analytics.host = host
    analytics.on_error = on_error
    # Few retries: a local server that refuses should fail the run fast, not after minutes.
    analytics.max_retries = 1
    user_id = "seg-" + email.split("@")[0]
    analytics.identify(
        user_id,
        {
            "email": email,
            "firstName": "Sam",
            "lastName": "Segment",
            "title": "VP Engineering",
            "company": {"name": "Hooli", "employee_count": 1200, "industry": "Software"},
            "address": {"country": "US"},
        },
    )
    analytics.track(
        user_id,
        "Demo Requested",
        {"plan": "enterprise"},
        context={"traits": {"email": email}},
    )
    analytics.flush()
    analytics.shutdown()
    if failures:
        print("segment_client.py: upload failed: " + "; ".join(failures), file=sys.stderr)
        return 1
    print(f"sent identify and track for {email} to {host}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
