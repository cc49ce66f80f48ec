"""Checks for .ci/windows.sh: the Windows reports against the Linux ones."""
import json
import re
import sys


def results(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    return {r["input"]: (r["status"], sorted(x["rule"] for x in r["findings"])) for r in doc["results"]}


def report(linux_json, win_json, win_txt, win_sarif):
    linux, win = results(linux_json), results(win_json)
    # Paths only: a URL input (an SSML `audio src`) has its own slashes.
    bad = [i for i in win if "/" in i and "://" not in i]
    assert not bad, f"Windows paths with '/': {bad[:3]}"
    normalised = {(i if "://" in i else i.replace("\\", "/")): v for i, v in win.items()}
    assert normalised == linux, f"differ: {set(normalised.items()) ^ set(linux.items())}"
    rules = sum(len(v[1]) for v in linux.values())
    print(f"{len(linux)} inputs, {rules} findings: the same on Windows and Linux")
    text = open(win_txt, encoding="utf-8").read()
    assert "\\\\" not in text, "a doubled backslash in the human report"
    shown = re.search(r"^fixtures\\\S+", text, re.M)
    assert shown, text[:500]
    print(f"human report shows e.g. {shown.group(0)}")
    with open(win_sarif, encoding="utf-8") as f:
        sarif = json.load(f)
    uris = [
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
        for loc in r["locations"]
    ]
    assert uris and all(u.startswith("fixtures/") and "\\" not in u and "%5C" not in u for u in uris), uris
    print(f"SARIF: {len(uris)} URIs, e.g. {uris[0]}")


def urls(path):
    got = sorted(results(path))
    assert got == ["http://127.0.0.1:9/a.wav", "http://[::1]:9/b.wav"], got
    print(f"CRLF list: {got}")


if __name__ == "__main__":
    {"report": report, "urls": urls}[sys.argv[1]](*sys.argv[2:])
