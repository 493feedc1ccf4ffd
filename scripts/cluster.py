"""The scaled topology on one machine: nginx in front of 2 gateways, 2 Rasa and 2 action servers, one Redis.

    python scripts/cluster.py            (make cluster) start it, print the URL, wait for Ctrl-C
    python scripts/cluster.py --rasa 1   one Rasa replica (for the capacity comparison in bench/)

Every request goes through nginx (deploy/nginx.conf), sticky-free: gateways reach Rasa, and Rasa reaches the
action servers, through nginx upstreams too, so killing any one replica only moves traffic to its twin. The
same topology for containers is docker-compose.yml. Used by tests/scale/test_cluster_kill.py and bench/.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts import procs

ROOT = procs.ROOT
NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf"


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise RuntimeError("nginx is not installed: `make test` installs Debian's nginx package "
                           "(or: sudo apt-get install nginx)")
    return found


def _servers(ports: list[int]) -> str:
    return " ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in ports)


@dataclass
class Cluster:
    redis_url: str
    redis_prefix: str
    log_dir: Path
    rasa_replicas: int = 2
    gateway_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    rasa_env: dict[str, str] = field(default_factory=dict)
    gateways: list[procs.Service] = field(default_factory=list)
    rasa: list[procs.Service] = field(default_factory=list)
    actions: list[procs.Service] = field(default_factory=list)
    nginx: procs.Service | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def services(self) -> list[procs.Service]:
        return [*self.actions, *self.rasa, *self.gateways, *([self.nginx] if self.nginx else [])]

    def _nginx(self, rasa_port: int, actions_port: int) -> procs.Service:
        run = self.log_dir / "nginx"
        run.mkdir(parents=True, exist_ok=True)
        conf = NGINX_TEMPLATE.read_text()
        for key, value in {
            "@RUN@": str(run), "@PORT@": str(self.port), "@RASA_PORT@": str(rasa_port),
            "@ACTIONS_PORT@": str(actions_port),
            "@GATEWAYS@": _servers([int(g.env["PORT"]) for g in self.gateways]),
            "@RASA@": _servers([int(r.argv[-1]) for r in self.rasa]),
            "@ACTIONS@": _servers([int(a.env["ACTIONS_PORT"]) for a in self.actions]),
        }.items():
            conf = conf.replace(key, value)
        (run / "nginx.conf").write_text(conf)
        return procs.Service(
            name="nginx", argv=[nginx_binary(), "-p", str(run), "-c", str(run / "nginx.conf"), "-g", "daemon off;"],
            env=procs.base_env(), health_url=f"{self.url}/health", log_path=self.log_dir / "nginx.log",
            any_status=True)

    def start(self) -> Cluster:
        self.port = self.port or procs.free_port()
        rasa_port, actions_port = procs.free_port(), procs.free_port()
        index = os.environ.get("KB_INDEX_DIR", str(ROOT / "var" / "index"))
        common = {"REDIS_URL": self.redis_url, "REDIS_PREFIX": self.redis_prefix}
        rasa_prefix = "".join(ch for ch in self.redis_prefix if ch.isalnum()) or "rasa"
        self.actions = [procs.action_server(procs.free_port(), self.log_dir, KB_INDEX_DIR=index, **common)
                        for _ in range(2)]
        for a in self.actions:
            a.log_path = self.log_dir / f"actions-{a.env['ACTIONS_PORT']}.log"
        self.rasa = [procs.rasa_server(procs.free_port(), f"http://127.0.0.1:{actions_port}/webhook", self.log_dir,
                                       redis_url=self.redis_url, key_prefix=rasa_prefix, **self.rasa_env)
                     for _ in range(self.rasa_replicas)]
        self.gateways = [procs.gateway(procs.free_port(), self.log_dir, RASA_URL=f"http://127.0.0.1:{rasa_port}",
                                       ACTION_HEALTH_URL=f"http://127.0.0.1:{actions_port}/health",
                                       TRUST_PROXY="true", KB_INDEX_DIR=index, **common, **self.gateway_env)
                         for _ in range(2)]
        self.nginx = self._nginx(rasa_port, actions_port)
        try:
            for group in (self.actions, self.rasa, self.gateways, [self.nginx]):
                for service in group:
                    service.start()
                for service in group:
                    service.wait_healthy(timeout=400)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rasa", type=int, default=2, choices=(1, 2), help="Rasa replicas")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", "8090")))
    args = parser.parse_args()
    from scripts.devstack import ensure_redis, load_dotenv

    load_dotenv()
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    redis = ensure_redis(redis_url)
    cluster = Cluster(redis_url, os.environ.get("REDIS_PREFIX", "faq:"), ROOT / "var" / "log" / "cluster",
                      args.rasa, port=args.port)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        print(f"starting nginx + 2 gateways + {args.rasa} Rasa + 2 action servers (logs: {cluster.log_dir}) …")
        cluster.start()
        print(f"cluster up: {cluster.url}/ (demo page; console {cluster.url}/console); Ctrl-C stops")
        for s in cluster.services:
            print(f"  {s.name:8} pid {s.proc.pid if s.proc else '-'}  log {s.log_path}")
        stop.wait()
    finally:
        cluster.stop()
        if redis is not None:
            redis.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
