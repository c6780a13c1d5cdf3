"""The calc client in Python: the same calls as client.c, through the module that
`onc gen --lang python calc.x` writes (calc.py), found through the host's rpcbind.

usage: python3 client.py [--rpcbind PORT] [tcp|udp] [HOST]
(with calc.py and the onc package on the import path; make demo sets that up)"""
import sys
from typing import Callable

import onc
from calc import CALC_DIVISION_BY_ZERO, CALC_OK, CalcClient


def main(argv: list[str]) -> int:
    rpcbind, transport, host = 111, "tcp", "127.0.0.1"
    args = iter(argv)
    for a in args:
        if a == "--rpcbind":
            rpcbind = int(next(args))
        elif a in ("tcp", "udp"):
            transport = a
        else:
            host = a
    addr = f"{transport}://{host}"  # no port: ask rpcbind
    failures = 0
    with CalcClient(addr, timeout=5, rpcbind_port=rpcbind) as calc:
        print(f"client.py: calling the calc program at {addr}")

        def show(what: str, call: Callable[[], object]) -> None:
            nonlocal failures
            try:
                print(f"{what:<28} -> {call()}")
            except onc.RpcError as e:
                print(f"{what:<28} -> error: {e}")
                failures += 1

        def division(a: int, b: int) -> str:
            d = calc.divide(a, b)
            if d.status == CALC_OK and d.result is not None:  # the arm CALC_OK selects
                return f"{d.result.quot} remainder {d.result.rem}"
            why = "division by zero" if d.status == CALC_DIVISION_BY_ZERO else "overflow"
            return f"refused: {why}"

        show("add(20, 22)", lambda: calc.add(20, 22))
        show("subtract(7, 10)", lambda: calc.subtract(a=7, b=10))
        show("multiply(123456, 654321)", lambda: calc.multiply(123456, 654321))
        show("divide(17, 5)", lambda: division(17, 5))
        show("divide(1, 0)", lambda: division(1, 0))
        show('echo("hello, onc")', lambda: '"' + calc.echo("hello, onc") + '"')
        show("sum(1..100)", lambda: calc.sum(list(range(1, 101))))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
