#!/usr/bin/python3
"""Check request bodies cks_fdw sent against botocore's model of the
operation's input (its own parameter validator: unknown members, types,
required members, list and string bounds).

Reads one JSON body per line on stdin (tests/endpoint/ctl.py requests
--fields params --operation OP) and prints one deterministic line:
"OP: N bodies valid in botocore's SERVICE model", or the first report.

usage: check_request_shape.py SERVICE OPERATION
"""
import json
import sys

import botocore.session
import botocore.validate


def main():
    service, operation = sys.argv[1], sys.argv[2]
    model = botocore.session.get_session().get_service_model(service)
    shape = model.operation_model(operation).input_shape
    validator = botocore.validate.ParamValidator()
    count = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        report = validator.validate(json.loads(line), shape)
        if report.has_errors():
            print("%s: body %d refused by botocore's %s model: %s"
                  % (operation, count + 1, service, report.generate_report()))
            return 1
        count += 1
    print("%s: %d bodies valid in botocore's %s model" % (operation, count, service))
    return 0


if __name__ == "__main__":
    sys.exit(main())
