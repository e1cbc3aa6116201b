"""Checks of template.yaml that cfn-lint does not make: the deployment rules leadflow holds
itself to. Run by scripts/check-template (after cfn-lint, before sam build).

- the seven functions, each built by cargo-lambda for arm64 on provided.al2023;
- every SQS-triggered function reports partial batch failures, and its queue has a DLQ and a
  visibility timeout at least six times the function's timeout;
- every schedule has a retry policy and a dead-letter queue;
- no IAM statement allows every action or every resource;
- no literal secret: no parameter default or environment value looks like a key or URL with a
  token in it.
"""

import re
import sys

from cfnlint.decode import decode

EXPECTED = {"ingest", "api", "score", "route", "notify", "decay", "sla-check"}


def fail(problems, message):
    problems.append(message)


def main(path):
    template, matches = decode(path)
    if matches:
        for m in matches:
            print(m, file=sys.stderr)
        return 1
    problems = []
    resources = template["Resources"]
    globals_fn = template.get("Globals", {}).get("Function", {})

    functions = {
        name: r for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"
    }
    binaries = {}
    for name, fn in functions.items():
        meta = fn.get("Metadata", {})
        if meta.get("BuildMethod") != "rust-cargolambda":
            fail(problems, f"{name}: Metadata.BuildMethod is not rust-cargolambda")
        binary = meta.get("BuildProperties", {}).get("Binary")
        binaries[binary] = name
        props = fn["Properties"]
        runtime = props.get("Runtime", globals_fn.get("Runtime"))
        arch = props.get("Architectures", globals_fn.get("Architectures"))
        if runtime != "provided.al2023":
            fail(problems, f"{name}: runtime {runtime}, expected provided.al2023")
        if arch != ["arm64"]:
            fail(problems, f"{name}: architectures {arch}, expected [arm64]")
        timeout = props.get("Timeout", globals_fn.get("Timeout", 3))
        for ev_name, ev in props.get("Events", {}).items():
            ev_props = ev.get("Properties", {})
            if ev["Type"] == "SQS":
                if "ReportBatchItemFailures" not in ev_props.get("FunctionResponseTypes", []):
                    fail(problems, f"{name}.{ev_name}: no ReportBatchItemFailures")
                queue = ev_props["Queue"]["Fn::GetAtt"][0]
                q = resources[queue]["Properties"]
                if "RedrivePolicy" not in q:
                    fail(problems, f"{queue}: no dead-letter queue (RedrivePolicy)")
                if q.get("VisibilityTimeout", 30) < 6 * timeout:
                    fail(
                        problems,
                        f"{queue}: visibility timeout {q.get('VisibilityTimeout', 30)} s is "
                        f"less than 6 x {name}'s timeout {timeout} s",
                    )
            if ev["Type"] == "ScheduleV2":
                if "RetryPolicy" not in ev_props:
                    fail(problems, f"{name}.{ev_name}: schedule without RetryPolicy")
                if "DeadLetterConfig" not in ev_props:
                    fail(problems, f"{name}.{ev_name}: schedule without DeadLetterConfig")
        for statement in iam_statements(props.get("Policies", [])):
            for key in ("Action", "Resource"):
                values = statement.get(key, [])
                values = values if isinstance(values, list) else [values]
                if any(v == "*" or (isinstance(v, str) and v.endswith(":*")) for v in values):
                    fail(problems, f"{name}: statement {statement.get('Sid')} allows {key} *")

    if set(binaries) != EXPECTED:
        fail(problems, f"functions build binaries {sorted(binaries)}, expected {sorted(EXPECTED)}")

    for name, r in resources.items():
        if r["Type"] == "AWS::SQS::Queue" and name.endswith("Queue") and "RedrivePolicy" not in r["Properties"]:
            fail(problems, f"{name}: queue without a dead-letter queue")

    secretish = re.compile(r"(xox[bp]-|hooks\.slack\.com/services/|AKIA[0-9A-Z]{16}|sk_live_)")
    text = open(path, encoding="utf-8").read()
    if secretish.search(text):
        fail(problems, "the template holds what looks like a secret")

    for p in problems:
        print(f"template.yaml: {p}", file=sys.stderr)
    if not problems:
        print(f"template.yaml: {len(functions)} functions, checks passed")
    return 1 if problems else 0


def iam_statements(policies):
    """Inline statements of a SAM Policies list, through Fn::If branches."""
    for p in policies:
        if isinstance(p, dict) and "Fn::If" in p:
            yield from iam_statements([b for b in p["Fn::If"][1:] if isinstance(b, dict)])
        elif isinstance(p, dict) and "Statement" in p:
            yield from p["Statement"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "template.yaml"))
