"""The `flashpoint` command line (Typer): broker, ingest, worker, classify, audit, run."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from flashpoint.audit.cli import audit_app
from flashpoint.core.errors import FlashpointError, InvalidArticle
from flashpoint.core.settings import Settings, load_settings
from flashpoint.desks.cli import desks_app, routes_app, silences_app, subscriptions_app

app = typer.Typer(
    help="Flashpoint: streaming escalation alerts for conflict-monitoring desks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
kafka_app = typer.Typer(
    help="Run a local Apache Kafka broker (KRaft, loopback).", no_args_is_help=True
)
app.add_typer(kafka_app, name="kafka")
app.add_typer(audit_app, name="audit")
app.add_typer(desks_app, name="desks")
app.add_typer(subscriptions_app, name="subscriptions")
app.add_typer(routes_app, name="routes")
app.add_typer(silences_app, name="silences")

if TYPE_CHECKING:
    from classifiers import Classifier
    from flashpoint.broker.local import LocalBroker
    from flashpoint.core.records import Article

err = Console(stderr=True)


def _settings() -> Settings:
    try:
        return load_settings()
    except FlashpointError as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None


def _local_broker(settings: Settings) -> LocalBroker:
    from flashpoint.broker.local import broker_from_settings

    return broker_from_settings(
        settings.kafka.home,
        settings.kafka.bootstrap,
        settings.kafka.controller_port,
        settings.kafka.heap,
    )


@kafka_app.command("install")
def kafka_install() -> None:
    """Fetch Kafka 4.3.1's jars from Maven Central (once)."""
    from flashpoint.broker.local import install_jars

    settings = _settings()
    install_jars(settings.kafka.home / "lib")
    err.print(f"Kafka jars in {settings.kafka.home / 'lib'}")


@kafka_app.command("start")
def kafka_start() -> None:
    """Start the broker, wait until it answers, and create the pipeline's topics."""
    from flashpoint.broker.local import create_topics

    settings = _settings()
    broker = _local_broker(settings)
    try:
        broker.start(timeout_s=settings.kafka.start_timeout_s)
        created = create_topics(broker.bootstrap, settings.topics.all())
    except FlashpointError as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from None
    err.print(f"Kafka is up at {broker.bootstrap} (log: {broker.log_file})")
    if created:
        err.print("created topics: " + ", ".join(created))


@kafka_app.command("stop")
def kafka_stop() -> None:
    """Stop the broker cleanly (SIGTERM)."""
    broker = _local_broker(_settings())
    broker.stop()
    err.print("Kafka stopped")


@kafka_app.command("status")
def kafka_status() -> None:
    """Say whether the broker runs and answers; exit 1 if not."""
    broker = _local_broker(_settings())
    pid = broker.pid()
    if pid is not None and broker.is_ready():
        typer.echo(f"running (pid {pid}) at {broker.bootstrap}")
        return
    typer.echo("not running" if pid is None else f"process {pid} exists but does not answer")
    raise typer.Exit(1)


@app.command()
def ingest(
    path: Annotated[str, typer.Argument(help="JSON Lines file of articles, or - for stdin")],
    strict: Annotated[
        bool, typer.Option(help="Refuse the whole input if any line is invalid")
    ] = False,
) -> None:
    """Publish JSON Lines articles to articles.raw, keyed by article id."""
    from flashpoint.ingest.publish import StrictIngestError, ingest_lines, make_producer, read_lines

    settings = _settings()
    producer = make_producer(settings.kafka.bootstrap)
    stream, size, source = _open_input(path)
    try:
        with Progress(
            TextColumn("[bold]ingest[/bold] {task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=err,
            disable=size is None or not err.is_terminal,
        ) as progress:
            task = progress.add_task(source, total=size)
            report = ingest_lines(
                read_lines(stream),
                producer,
                source=source,
                raw_topic=settings.topics.raw,
                dlq_topic=settings.topics.dlq,
                max_text_chars=settings.worker.max_text_chars,
                strict=strict,
                on_line=lambda n: progress.advance(task, n),
            )
    except StrictIngestError as error:
        for line in error.invalid:
            err.print(
                f"line {line.line}: {line.reason}" + (f" ({line.detail})" if line.detail else "")
            )
        err.print(f"[red]error:[/red] {error}; nothing published")
        raise typer.Exit(1) from None
    finally:
        stream.close()
        producer.close()  # type: ignore[attr-defined]
    for line in report.invalid:
        err.print(
            f"[yellow]line {line.line}:[/yellow] {line.reason}"
            + (f" ({line.detail})" if line.detail else "")
            + f" → {settings.topics.dlq}"
        )
    err.print(
        f"published {report.published} article(s) to {settings.topics.raw}; "
        f"{len(report.invalid)} invalid line(s) dead-lettered"
    )


def _open_input(path: str) -> tuple[BinaryIO, int | None, str]:
    if path == "-":
        return sys.stdin.buffer, None, "stdin"
    file = Path(path)
    if not file.is_file():
        err.print(f"[red]error:[/red] no such file: {path}")
        raise typer.Exit(2)
    return file.open("rb"), file.stat().st_size, str(file)


@app.command()
def worker(
    loglevel: Annotated[str, typer.Option(help="Faust log level")] = "warning",
    logfile: Annotated[Path | None, typer.Option(help="Write worker logs here")] = None,
) -> None:
    """Run the streaming worker: decode → classify → route → deliver → record."""
    from faust.worker import Worker

    from flashpoint.broker.local import create_topics
    from streams.app import create_app
    from streams.pipeline import build_pipeline

    settings = _settings()
    try:
        # faust makes only the last folder of its data dir; a desk's path may be deeper.
        settings.worker.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        err.print(
            f"[red]error:[/red] FLASHPOINT_WORKER__DATA_DIR {settings.worker.data_dir}: "
            f"{error.strerror}"
        )
        raise typer.Exit(2) from None
    try:
        pipeline = build_pipeline(settings)
        create_topics(settings.kafka.bootstrap, settings.topics.all())
    except FlashpointError as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    faust_app = create_app(settings, pipeline)
    Worker(
        faust_app,
        loglevel=loglevel,
        logfile=str(logfile) if logfile else None,
        quiet=True,
        redirect_stdouts=False,
    ).execute_from_commandline()


@app.command()
def classify(
    path: Annotated[
        str | None, typer.Argument(help="JSON Lines articles; stdin when omitted")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1)] = 32,
) -> None:
    """Classify articles: one JSON line per input article on stdout, in input order."""
    from classifiers import build_classifier
    from flashpoint.ingest.decode import decode_article
    from flashpoint.ingest.publish import read_lines

    settings = _settings()
    classifier = build_classifier(settings.classifier)
    stream, _, _ = _open_input(path or "-")
    invalid = 0

    def articles() -> Iterator[Article]:
        nonlocal invalid
        for number, line in read_lines(stream):
            try:
                yield decode_article(line, max_text_chars=settings.worker.max_text_chars)
            except InvalidArticle as error:
                invalid += 1
                err.print(f"line {number}: {error}")

    batch: list[Article] = []
    for article in articles():
        batch.append(article)
        if len(batch) >= batch_size:
            _write_classifications(classifier, batch)
            batch = []
    if batch:
        _write_classifications(classifier, batch)
    stream.close()
    if invalid:
        raise typer.Exit(1)


def _write_classifications(classifier: Classifier, batch: list[Article]) -> None:
    for classification in classifier.classify_batch(batch):
        sys.stdout.write(classification.model_dump_json() + "\n")
    sys.stdout.flush()


@app.command()
def train(
    data: Annotated[
        list[Path] | None,
        typer.Option(help="Training JSON Lines files or folders (default: classifiers/data)"),
    ] = None,
    epochs: Annotated[int, typer.Option(min=1)] = 4,
    write_thresholds: Annotated[
        bool, typer.Option(help="Also write the held-out thresholds to the config")
    ] = True,
) -> None:
    """Fine-tune the signal model on the training sentences; export it (int8 ONNX)."""
    from classifiers.finetune import (
        DEFAULT_TRAIN_FILES,
        FineTuneConfig,
        fine_tune,
        load_training_set,
    )
    from classifiers.thresholds import DEFAULT_THRESHOLDS_PATH
    from classifiers.thresholds import write_thresholds as save_thresholds

    settings = _settings().classifier
    training = load_training_set(data or DEFAULT_TRAIN_FILES)
    err.print(f"fine-tuning on {len(training.texts)} sentences ({training.digest})")
    result = fine_tune(
        training,
        settings.signal_model_path,
        FineTuneConfig(epochs=epochs),
        settings.model_dir,
        progress=err.print,
    )
    if write_thresholds:
        save_thresholds(
            result.thresholds,
            settings.thresholds_path or DEFAULT_THRESHOLDS_PATH,
            "`flashpoint train` (held-out training sentences grouped into articles);"
            " `flashpoint calibrate` replaces them with thresholds chosen on real reporting",
        )
    typer.echo(f"{'signal':<22}{'threshold':>10}{'held-out F1':>13}")
    for signal, threshold in result.thresholds.items():
        typer.echo(f"{signal:<22}{threshold:>10.2f}{result.held_out_f1[signal]:>13.3f}")
    typer.echo(f"model: {result.model_path} ({result.version}, {training.digest})")


def _shared_data(shared: Path | None) -> Path:
    from flashpoint.core.settings import REPO_ROOT

    return shared or REPO_ROOT.parent / "shared" / "data"


@app.command()
def calibrate(
    shared: Annotated[
        Path | None,
        typer.Option(help="The shared data folder with fakes/ and ucdp/ (default ../shared/data)"),
    ] = None,
    write: Annotated[bool, typer.Option(help="Write the thresholds to the config")] = True,
) -> None:
    """Choose the per-signal thresholds on the labelled real tune items (not the test sets)."""
    from classifiers import build_classifier
    from classifiers.calibrate import calibrate as choose_thresholds
    from classifiers.calibrate import load_tune_sets
    from classifiers.model_classifier import ModelClassifier
    from classifiers.signal_model import card_path
    from classifiers.thresholds import DEFAULT_THRESHOLDS_PATH, write_thresholds

    settings = _settings().classifier
    classifier = build_classifier(settings)
    if not isinstance(classifier, ModelClassifier):
        raise typer.BadParameter("calibrate needs the model backend (onnx or torch)")
    folder = _shared_data(shared)
    if not (folder / "fakes").is_dir() or not (folder / "ucdp").is_dir():
        raise typer.BadParameter(f"{folder}: expected the folders fakes/ and ucdp/")
    rows = load_tune_sets(folder)
    card = json.loads(card_path(settings.signal_model_path).read_text())
    result = choose_thresholds(classifier, rows, card["thresholds"])
    typer.echo(f"{'signal':<22}{'tune items':>11}{'threshold':>11}{'F1 (tune)':>11}")
    for signal, threshold in result.thresholds.items():
        f1 = "kept" if signal in result.kept else f"{result.f1[signal]:.3f}"
        typer.echo(f"{signal:<22}{result.positives[signal]:>11}{threshold:>11.2f}{f1:>11}")
    if write:
        path = settings.thresholds_path or DEFAULT_THRESHOLDS_PATH
        write_thresholds(
            result.thresholds,
            path,
            f"`flashpoint calibrate` on {len(rows)} labelled real tune items for"
            f" {classifier.version} (classifiers/calibrate.py)",
        )
        typer.echo(f"written: {path}")


@app.command()
def evaluate(
    shared: Annotated[
        Path | None,
        typer.Option(help="The shared data folder with fakes/ and ucdp/ (default ../shared/data)"),
    ] = None,
    dev: Annotated[Path | None, typer.Option(help="The written development set")] = None,
) -> None:
    """Signal P/R/F1, places and figures on the written dev set, FA-KES and UCDP."""
    from classifiers import build_classifier
    from classifiers.calibrate import load_tune_sets
    from classifiers.evaluate import (
        DEFAULT_DEV_PATH,
        fakes_governorate_accuracy,
        load_dev,
        load_fakes,
        load_ucdp,
        place_coverage,
    )
    from classifiers.evaluate import evaluate as run_evaluation
    from classifiers.gazetteer import get_gazetteer
    from flashpoint.core.records import SIGNAL_TYPES

    settings = _settings()
    classifier = build_classifier(settings.classifier)
    shared = _shared_data(shared)
    fakes_path = shared / "fakes" / "articles.jsonl"
    ucdp_path = shared / "ucdp" / "events.jsonl"
    sets = {"dev": load_dev(dev or DEFAULT_DEV_PATH)}
    if fakes_path.exists() and ucdp_path.exists():
        sets["fakes"] = load_fakes(fakes_path)
        sets["ucdp"] = load_ucdp(ucdp_path)
        sets["real"] = sets["fakes"] + sets["ucdp"]
    else:
        err.print(f"[yellow]{shared}: no fakes/ and ucdp/ here; the written dev set only[/]")
    predictions = {name: run_evaluation(classifier, rows, name) for name, rows in sets.items()}
    if "ucdp" in sets:
        reports = [row for row in sets["ucdp"] if row["kind"] == "report"]
        predictions["ucdp reports"] = run_evaluation(classifier, reports, "ucdp reports")
        tune = load_tune_sets(shared)
        predictions["tune"] = run_evaluation(classifier, tune, "tune (thresholds chosen here)")
    results = list(predictions.values())
    shown = [result for result in results if result.name in ("dev", "fakes", "ucdp", "real")]
    typer.echo(f"classifier {classifier.version}")
    typer.echo(
        f"{'':20}"
        + "".join(f"{f'{r.name} ({r.articles})':>15}" for r in shown)
        + f"\n{'signal':20}"
        + "".join(f"{'P   R   F1':>15}" for _ in shown)
    )
    for signal in SIGNAL_TYPES:
        scores = [r.signals[signal] for r in shown]
        cells = "".join(
            f"{_triple(x.precision, x.recall, x.f1) if x.support else '-':>15}" for x in scores
        )
        typer.echo(f"{signal:20}{cells}")
    typer.echo(
        f"{'macro':20}"
        + "".join(f"{_triple(r.macro_precision, r.macro_recall, r.macro_f1):>15}" for r in shown)
    )
    typer.echo("")
    for result in results:
        head = (
            f"{result.name}: macro F1 {result.macro_f1:.3f},"
            f" casualties recall {result.signals['casualties'].recall:.3f}"
        )
        if result.false_alarm_articles:
            head += f", false alarms {result.false_alarm_rate:.1%} of {result.false_alarm_articles}"
        places = (
            f"  places ({result.places}): country {result.country_accuracy:.3f}, "
            f"admin1 {result.admin1_accuracy:.3f}"
        )
        if result.near_places:
            places += f", within 25 km {result.near_accuracy:.3f} of {result.near_places}"
        figures = (
            f"  killed exact {result.killed_exact:.3f} of {result.killed_items}, "
            f"injured exact {result.injured_exact:.3f} of {result.injured_items}"
        )
        typer.echo("\n".join((head, places, figures)))
    if "ucdp" in sets:
        typer.echo("\nUCDP headlines: top place's country given / right when given / among places")
        for coverage in place_coverage(get_gazetteer(), ucdp_path):
            typer.echo(
                f"  {coverage.split} ({coverage.headlines}): {coverage.given:.3f} / "
                f"{coverage.right_when_given:.3f} / {coverage.among_places:.3f}"
            )
        accuracy = fakes_governorate_accuracy(get_gazetteer(), fakes_path)
        typer.echo(
            f"FA-KES governorate, top place ({accuracy.articles} articles): "
            f"{accuracy.lenient:.3f} (strict {accuracy.strict:.3f})"
        )


def _triple(precision: float, recall: float, f1: float) -> str:
    return " ".join(
        "1.0" if value >= 0.995 else f"{value:.2f}".removeprefix("0")
        for value in (precision, recall, f1)
    )


@app.command()
def run(
    articles: Annotated[Path, typer.Option(help="JSON Lines to publish")] = Path(
        "samples/articles.jsonl"
    ),
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for the articles to settle")
    ] = 180.0,
) -> None:
    """Start a fresh local stack, stream sample articles through it, show alerts and the audit."""
    from flashpoint.demo import run_demo

    raise typer.Exit(run_demo(_settings(), articles, timeout))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
