"""The calc program on onc's Python runtime, as a peer for `onc call` where the C calc server
cannot go: add answers AUTH_ERROR (AUTH_TOOWEAK) unless the caller sent AUTH_SYS with uid 0,
echo answers the caller's AUTH_SYS credentials, subtract never answers (its reply is deferred
for ever). Serves TCP on 127.0.0.1 and a Unix socket, prints "tcp PORT" and runs until killed.
usage: auth_server.py GENERATED_DIR UNIX_SOCKET_PATH"""
import sys

sys.path.insert(0, sys.argv[1])
import calc  # noqa: E402  (onc gen --lang python calc.x)
import onc  # noqa: E402


class Calc(calc.CalcServer):
    def add(self, a, b):
        cred = onc.current_call().auth_sys
        if cred is None or cred.uid != 0:
            raise onc.AuthError(onc.AuthStat.AUTH_TOOWEAK)
        return a + b

    def echo(self, arg):
        c = onc.current_call().auth_sys
        if c is None:
            return "AUTH_NONE"
        return f"{c.machinename} {c.uid} {c.gid} {':'.join(map(str, c.gids))}"

    def subtract(self, a, b):
        onc.defer()  # and never answered


server = onc.Server()
server.register(Calc())
port = server.listen("tcp://127.0.0.1:0")
server.listen("unix://" + sys.argv[2])
server.start()
print(f"tcp {port}", flush=True)
server.serve_forever()
