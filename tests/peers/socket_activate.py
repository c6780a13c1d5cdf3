"""Starts a command as systemd starts rpcbind.service from rpcbind.socket: the sockets
bound first (/run/rpcbind.sock; TCP and UDP on 0.0.0.0 and [::] (IPv6 only) port 111),
passed as descriptors 3... with LISTEN_PID and LISTEN_FDS, and NOTIFY_SOCKET set; this
process becomes the command (same pid, as LISTEN_PID requires), and a child of it writes
the first notification (READY=1) to NOTIFY_FILE.
Usage: socket_activate.py NOTIFY_FILE COMMAND..."""
import os
import socket
import sys

notify_file, cmd = sys.argv[1], sys.argv[2:]
socks = []
unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
if os.path.exists("/run/rpcbind.sock"):
    os.unlink("/run/rpcbind.sock")
unix.bind("/run/rpcbind.sock")
os.chmod("/run/rpcbind.sock", 0o666)
unix.listen()
socks.append(unix)
for family, host in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(family, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((host, 111))
        if kind == socket.SOCK_STREAM:
            s.listen()
        socks.append(s)

notify_path = f"/run/notify.{os.getpid()}"
notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
notify.bind(notify_path)
os.chmod(notify_path, 0o666)  # rpcbind notifies once it runs as _rpc
if os.fork() == 0:
    notify.settimeout(30)
    try:
        msg = notify.recv(4096).decode()
    except OSError as e:
        msg = f"no notification: {e}"
    with open(notify_file, "w") as f:
        f.write(msg)
    os._exit(0)
notify.close()

# Out of the way of 3... first, then into place.
high = [os.dup(s.fileno()) for s in socks]
for i, fd in enumerate(high):
    os.dup2(fd, 3 + i, inheritable=True)
os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS=str(len(socks)),
                  LISTEN_FDNAMES=":".join(["rpcbind.socket"] * len(socks)),
                  NOTIFY_SOCKET=notify_path)
os.execvp(cmd[0], cmd)
