"""python -m analytics.complaints fit | evaluate [--set dev|holdout|train|PATH] [--cv K] | classify [TEXT ...]

Every command prints JSON. `classify` without TEXT reads one text a line from stdin.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from analytics.complaints.classifier import load_classifier
from analytics.complaints.evaluate import NAMED_SETS, evaluate, sha256_of
from analytics.complaints.features import Featurizer
from analytics.complaints.labels import ComplaintModelError
from analytics.complaints.model import save_model
from analytics.complaints.training import cross_validate, tune
from common.envconf import SettingsError
from knowledge_base.engine.encoders import encoder_from_env


def _print(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def cmd_fit(_: argparse.Namespace) -> int:
    encoder = encoder_from_env()
    encoder.load()
    model, dev = tune(Featurizer(encoder))
    save_model(model)
    _print({"model": "analytics/complaints/data/model.json", "encoder": model.encoder, "dim": model.dim,
            "params": model.params.__dict__, "dev_tuned": dev})
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    if args.cv:
        clf = load_classifier()
        _print(cross_validate(clf.featurizer, clf.model.params, args.cv))
        return 0
    path = NAMED_SETS.get(args.set) or Path(args.set)
    if args.sha256 and sha256_of(path) != args.sha256.strip().split()[0]:
        print(f"error: {path} does not have sha256 {args.sha256}", file=sys.stderr)
        return 2
    _print(evaluate(load_classifier(), path))
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    texts = args.text or [line.rstrip("\n") for line in sys.stdin]
    for r in load_classifier().classify(texts):
        print(json.dumps(r.to_dict(), ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m analytics.complaints", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("fit", help="tune on the dev set, fit on the training set, write data/model.json")
    ev = sub.add_parser("evaluate", help="precision/recall on a labelled set")
    ev.add_argument("--set", default="dev", help="dev | holdout | train | path to a .jsonl/.yaml set")
    ev.add_argument("--cv", type=int, metavar="K", help="instead: K-fold cross-validation on the training set")
    ev.add_argument("--sha256", help="refuse to score unless the set has this sha256")
    cl = sub.add_parser("classify", help="classify texts (arguments or stdin lines)")
    cl.add_argument("text", nargs="*")
    args = ap.parse_args(argv)
    try:
        return {"fit": cmd_fit, "evaluate": cmd_evaluate, "classify": cmd_classify}[args.cmd](args)
    except (ComplaintModelError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
