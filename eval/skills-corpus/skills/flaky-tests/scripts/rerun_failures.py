#!/usr/bin/env python3
"""Reruns the failed tests of a JUnit XML report many times and prints each test's failure rate."""
import argparse
import collections
import subprocess
import xml.etree.ElementTree as ET


def failed_tests(junit_path):
    """Names (classname.name) of the test cases that failed or errored in a JUnit report."""
    tree = ET.parse(junit_path)
    names = []
    for case in tree.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            names.append(f"{case.get('classname')}.{case.get('name')}")
    return names


def rerun(test, runs, command):
    """Runs one test `runs` times and returns how many runs failed."""
    failures = 0
    for _ in range(runs):
        result = subprocess.run(command + [test], capture_output=True)
        if result.returncode != 0:
            failures += 1
    return failures


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--junit", required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--command", default="pytest -x -q -k")
    args = parser.parse_args()
    rates = collections.OrderedDict()
    for test in failed_tests(args.junit):
        rates[test] = rerun(test, args.runs, args.command.split())
    for test, failures in rates.items():
        verdict = "broken" if failures == args.runs else "flaky" if failures else "passes now"
        print(f"{failures}/{args.runs}\t{verdict}\t{test}")
