"""A real Redis primary, one replica and three Sentinels on free ports (Debian's redis-server/redis-sentinel)."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from scripts import procs

MASTER = "faqbot"


def sentinel_binary() -> str:
    found = shutil.which("redis-sentinel") or ("/usr/bin/redis-sentinel" if Path("/usr/bin/redis-sentinel").exists()
                                               else None)
    if found is None:
        raise RuntimeError("redis-sentinel is not installed: `make test` installs Debian's redis-sentinel package")
    return found


@dataclass
class RedisNode:
    port: int
    argv: list[str]
    log: Path
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> RedisNode:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_timeout=1).ping()
                return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis on port {self.port} did not start:\n{procs.tail(self.log)}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)


@dataclass
class SentinelSet:
    primary: RedisNode
    replica: RedisNode
    sentinels: list[RedisNode]

    @property
    def sentinel_env(self) -> str:
        return ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)

    def master_port(self) -> int:
        return int(self.sentinels[0].client().sentinel_get_master_addr_by_name(MASTER)[1])

    def wait_ready(self, timeout: float = 30) -> None:
        """The replica holds a copy (its first sync is done: before that, a fail-over promotes an empty node) and
        every sentinel knows the replica and the two other sentinels (else a fail-over cannot be voted)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.replica.client().info("replication").get("master_link_status") != "up":
                time.sleep(0.2)
                continue
            ready = 0
            for s in self.sentinels:
                info = s.client().sentinel_master(MASTER)
                if int(info["num-slaves"]) >= 1 and int(info["num-other-sentinels"]) >= 2:
                    ready += 1
            if ready == len(self.sentinels):
                return
            time.sleep(0.2)
        raise RuntimeError("the sentinels never saw the replica and each other")

    def stop(self) -> None:
        for node in [*self.sentinels, self.replica, self.primary]:
            node.kill()


def start_sentinel_set(tmp: Path) -> SentinelSet:
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    p1, p2 = procs.free_port(), procs.free_port()
    # No 5 s wait before a diskless sync (Redis's default, to batch replicas): there is one replica.
    common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp),
              "--repl-diskless-sync-delay", "0"]
    primary = RedisNode(p1, [server, "--port", str(p1), *common, "--dbfilename", "p1.rdb"], tmp / "p1.log")
    replica = RedisNode(p2, [server, "--port", str(p2), *common, "--dbfilename", "p2.rdb",
                             "--replicaof", "127.0.0.1", str(p1)], tmp / "p2.log")
    sentinels = []
    for i in range(3):
        port = procs.free_port()
        conf = tmp / f"sentinel-{i}.conf"
        # Fail-over after 1 s without an answer, decided by 2 of the 3 sentinels.
        conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {tmp}\n"
                        f"sentinel monitor {MASTER} 127.0.0.1 {p1} 2\n"
                        f"sentinel down-after-milliseconds {MASTER} 1000\n"
                        f"sentinel failover-timeout {MASTER} 10000\n")
        sentinels.append(RedisNode(port, [sentinel_binary(), str(conf)], tmp / f"sentinel-{i}.log"))
    group = SentinelSet(primary, replica, sentinels)
    try:
        primary.start()
        replica.start()
        for s in sentinels:
            s.start()
        group.wait_ready()
    except Exception:
        group.stop()
        raise
    return group
