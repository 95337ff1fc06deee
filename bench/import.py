"""SPEC §12 P4: import of 100,000 customer rows (CSV and XLSX) with full validation.

Usage: ``.venv/bin/python bench/import.py [--rows 100000] [--repeat 1]`` (see bench/README.md).

1. Creates its own PostgreSQL database (``DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/atende_bench``; dropped and recreated at start,
   dropped at the end), migrates it and creates an administrator who owns the jobs.
2. Generates the rows (Brazilian names, mobile and landline phones typed in many ways,
   CPF/CNPJ masked or not, e-mails; ~5 % invalid rows and ~5 % duplicates) as a CSV
   (Windows-1252, ``;``, like Brazilian Excel saves it) and an XLSX.
3. For each format, on an empty customers table, imports the file through Atende's real
   engine (``import_start`` + ``import_run``, synchronously) and through a tuned
   django-import-export ``ModelResource`` with the same validation (bench/iie_customers.py),
   each in a fresh child process (``--child``) that reports its wall time and its peak RSS
   (``VmHWM``, see ``peak_rss_mb``), so the generator's memory never counts.
4. Prints ONE JSON line with the figures on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    ROOT,
    bench_environment,
    current_rss_mb,
    load_avg,
    make_logger,
    peak_rss_mb,
    record,
    recreate_database,
    tear_down,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atende_bench"
ADMIN_USERNAME = "bench_admin"
TARGETS = {"rows_per_s": 5000, "rss_mb": 250, "ratio": 3}
HEADER = [
    "NETWORK", "COUNTRY CODE", "PHONE NUMBER", "DISPLAY NAME", "CPF/CNPJ", "EMAIL",
    "GROUP", "AGENT", "ATTRIBUTE", "ATTRIBUTE'S VALUE",
]  # fmt: skip
ATENDE_SETTINGS = "config.settings.base"
IIE_SETTINGS = "bench.settings_bench"
IIE_MISSING = (
    "django-import-export is not installed (benchmark-only dependency). Install it with:\n"
    "    .venv/bin/pip install -r bench/requirements.txt\n"
    "or run with --skip-iie to measure Atende alone."
)


log = make_logger("import")


def setup_environment(work: Path) -> None:
    """Environment shared by the parent and (inherited) by the children: no Redis (the
    imports run in-process); each child is given its settings module by ``spawn``."""
    bench_environment(work, None, DEFAULT_DATABASE_URL, redis=False)


# Generating the rows ---------------------------------------------------------------------

FIRST_NAMES = [
    "Maria", "José", "Ana", "João", "Antônio", "Francisca", "Carlos", "Paulo", "Adriana", "Lucas",
    "Juliana", "Márcia", "Fernanda", "Luís", "Patrícia", "Aline", "Gabriel", "Letícia", "Sebastião",
    "Conceição", "Rafael", "Júlia", "Vitória", "Thiago", "Bruna", "Raimundo", "Cecília", "Otávio",
    "Luíza", "Heloísa", "Caio", "Débora", "Érica", "Ângela", "Inês", "Vinícius", "Mônica", "Fábio",
]  # fmt: skip
SURNAMES = [
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima",
    "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Araújo", "Melo", "Barbosa", "Cardoso",
    "Rocha", "Dias", "Nascimento", "Simões", "Conceição", "Gonçalves", "Magalhães", "Assunção",
    "Brandão", "Falcão", "Guimarães", "Patrício", "Fonseca", "Teixeira",
]  # fmt: skip
BUSINESSES = [
    "Padaria", "Mercearia", "Açougue", "Farmácia", "Ótica", "Papelaria", "Borracharia", "Confeitaria",
    "Lanchonete", "Oficina", "Clínica", "Imobiliária", "Distribuidora", "Transportadora",
]  # fmt: skip
BUSINESS_SUFFIXES = ["Ltda", "ME", "EIRELI", "& Cia", "S.A.", "Comércio"]
DOMAINS = ["gmail.com", "hotmail.com", "yahoo.com.br", "uol.com.br", "outlook.com", "bol.com.br", "terra.com.br"]
DDDS = [
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, 41, 42, 43, 44,
    45, 46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69, 71, 73, 74, 75, 77, 79, 81,
    82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95, 96, 97, 98, 99,
]  # fmt: skip
NETWORKS = ["whatsapp"] * 14 + ["WhatsApp", "", "", "", "telegram", "telegram", "sms"]
ASCII = str.maketrans("áàâãéêíóôõúüçÁÀÂÃÉÊÍÓÔÕÚÜÇ", "aaaaeeiooouucAAAAEEIOOOUUC")


def typed_phone(rng: random.Random, ddd: int, number: str) -> str:
    """The same number as people type it: masks, spaces, trunk 0, +55, 55, bare digits."""
    head, tail = (number[:5], number[5:]) if len(number) == 9 else (number[:4], number[4:])
    choices = [
        f"({ddd}) {head}-{tail}",
        f"0{ddd} {head} {tail}",
        f"+55 {ddd} {head}-{tail}",
        f"+55 ({ddd}) {number}",
        f"{ddd}{number}",
        f"55{ddd}{number}",
        f"{ddd} {head}-{tail}",
        f"({ddd}){number}",
        f"0{ddd}-{head}-{tail}",
    ]
    if len(number) == 9:
        choices.append(f"{ddd} {number[0]} {number[1:5]}-{number[5:]}")
    return rng.choice(choices)


def new_phone(rng: random.Random, used: set[str], normalize_phone) -> tuple[str, int, str]:
    """A valid, unused Brazilian number: ``(e164, ddd, national number)``."""
    while True:
        ddd = rng.choice(DDDS)
        if rng.random() < 0.8:
            number = "9" + "".join(rng.choices("0123456789", k=8))
        else:
            number = rng.choice("2345") + "".join(rng.choices("0123456789", k=7))
        e164 = f"+55{ddd}{number}"
        if e164 in used:
            continue
        try:
            if normalize_phone(e164) != e164:
                continue
        except Exception:  # noqa: BLE001, S112 - not a valid number: draw another
            continue
        used.add(e164)
        return e164, ddd, number


def person_name(rng: random.Random) -> str:
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
    if rng.random() < 0.6:
        name += f" {rng.choice(SURNAMES)}"
    if rng.random() < 0.05:
        name = f"  {name.upper()} "  # typed in capitals, with stray spaces
    return name


def email_for(rng: random.Random, name: str) -> str:
    parts = name.translate(ASCII).lower().split()
    address = f"{parts[0]}.{parts[-1]}{rng.randint(1, 9999)}@{rng.choice(DOMAINS)}"
    return address.upper() if rng.random() < 0.03 else address


def generate_rows(count: int, seed: int) -> tuple[list[list], dict[str, int]]:
    """``count`` rows (cells as typed) and the outcome each engine must reach."""
    from validate_docbr import CNPJ, CPF

    from core.phones import normalize_phone

    rng = random.Random(seed)
    cpf, cnpj = CPF(), CNPJ()
    used: set[str] = set()
    valid: list[tuple[str, int, str]] = []  # (network as typed, ddd, national number)
    rows: list[list] = []
    expected = {"imported": 0, "duplicates": 0, "errors": 0}
    for index in range(count):
        roll = rng.random()
        country = rng.choice(["55", "55", "55", "", "", "+55"])
        if roll < 0.05 and valid:
            # Duplicate: an earlier customer's number on the same network, typed differently.
            network, ddd, number = rng.choice(valid)
            network = {"": "whatsapp", "whatsapp": ""}.get(network, network)
            rows.append([network, country, typed_phone(rng, ddd, number), person_name(rng), "", "", "", "", "", ""])
            expected["duplicates"] += 1
            continue
        _e164, ddd, number = new_phone(rng, used, normalize_phone)
        network = rng.choice(NETWORKS)
        document, kind = "", rng.random()
        if kind < 0.12:
            name = f"{rng.choice(BUSINESSES)} {rng.choice(SURNAMES)} {rng.choice(BUSINESS_SUFFIXES)}"
            document = cnpj.generate(mask=rng.random() < 0.5)
        else:
            name = person_name(rng)
            if kind < 0.6:
                document = cpf.generate(mask=rng.random() < 0.5)
        email = email_for(rng, name) if rng.random() < 0.55 else ""
        phone = typed_phone(rng, ddd, number)
        if 0.05 <= roll < 0.10:
            problem = index % 6
            if problem == 0:  # bad phone
                phone = rng.choice(["1234", f"({ddd}) 1234-567", f"(20) 9{number[1:5]}-{number[5:]}", "sem telefone"])
            elif problem == 1:  # foreign number
                phone, country = rng.choice([("+1 415 555 2671", ""), ("+351 912 345 678", ""), ("912345678", "351")])
            elif problem == 2:  # CPF with a wrong check digit
                digits = cpf.generate()
                document = digits[:10] + str((int(digits[10]) + 1) % 10)
            elif problem == 3:  # missing name
                name = rng.choice(["", "   "])
            elif problem == 4:  # bad e-mail
                email = rng.choice(["maria@", "joao.silva.gmail.com", "ana@@uol.com.br"])
            else:  # CNPJ with a wrong check digit
                digits = cnpj.generate()
                document = digits[:13] + str((int(digits[13]) + 1) % 10)
            expected["errors"] += 1
        else:
            valid.append((network.lower(), ddd, number))
            expected["imported"] += 1
        rows.append([network, country, phone, name, document, email, "", "", "", ""])
    return rows, expected


def write_csv(path: Path, rows: list[list]) -> None:
    with path.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(rows)


def write_xlsx(path: Path, rows: list[list]) -> None:
    """Like Excel: empty cells are absent and digits-only phones were typed as numbers."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Clientes")
    sheet.append(HEADER)
    for row in rows:
        cells = [cell if cell != "" else None for cell in row]
        if str(cells[2] or "").isdigit():
            cells[2] = int(cells[2])
        sheet.append(cells)
    workbook.save(path)


# The database -------------------------------------------------------------------------


def prepare_database() -> None:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = ATENDE_SETTINGS
    django.setup()
    from django.core.management import call_command

    from organisation.models import Company
    from users.models import Role
    from users.services import user_create

    call_command("migrate", interactive=False, verbosity=0)
    company = Company.objects.create(name="Empresa Bench")
    user_create(username=ADMIN_USERNAME, role=Role.ADMIN, company=company, display_name="Bench Admin")


def empty_customers() -> None:
    """An empty customers table (and history, error rows) for the next run."""
    from django.db import connection

    from customers.models import Customer
    from imports.models import ImportRow

    tables = [Customer._meta.db_table, Customer.history.model._meta.db_table, ImportRow._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(connection.ops.quote_name(t) for t in tables)} RESTART IDENTITY CASCADE")
        cursor.execute("CHECKPOINT")
    connection.close()


# The children: one import each, in a fresh process --------------------------------------


def child(engine: str, path: Path, profile: str | None) -> dict:
    import django

    django.setup()
    from users.models import User

    user = User.objects.get(username=ADMIN_USERNAME)
    run = run_atende if engine == "atende" else run_iie
    base_rss = current_rss_mb()
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    counts = run(path, user)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_seconds = (after.ru_utime + after.ru_stime) - (cpu.ru_utime + cpu.ru_stime)
    if profiler:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")
    peak = peak_rss_mb()
    from customers.models import Customer

    counts["table"] = Customer.objects.count()
    return {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "peak_rss_mb": peak,
        "base_rss_mb": base_rss,
        **counts,
    }


def run_atende(path: Path, user) -> dict:
    from django.core.files import File

    from imports.models import JobStatus
    from imports.runner import import_run, import_start

    with path.open("rb") as handle:
        job = import_start(kind="customers", upload=File(handle, name=path.name), user=user)
    job = import_run(job_id=job.pk)
    if job.status != JobStatus.DONE:
        raise RuntimeError(f"job ended {job.status}: {job.message}")
    return {"rows": job.total, "imported": job.imported, "duplicates": job.duplicates, "errors": job.errors}


def run_iie(path: Path, user) -> dict:
    import tablib

    from bench.iie_customers import CustomerResource

    if path.suffix == ".csv":
        with path.open(encoding="cp1252", newline="") as handle:
            dataset = tablib.Dataset().load(handle, format="csv", delimiter=";")
    else:
        with path.open("rb") as handle:
            dataset = tablib.Dataset().load(handle, format="xlsx")
    result = CustomerResource(user=user).import_data(dataset, dry_run=False, use_transactions=True)
    if result.has_errors():
        first = (result.base_errors or [error for _line, errors in result.row_errors() for error in errors])[0]
        raise RuntimeError(f"django-import-export failed: {first.error!r}")
    totals = result.totals
    return {"rows": len(dataset), "imported": totals["new"], "duplicates": totals["skip"], "errors": totals["invalid"]}


def spawn(engine: str, path: Path, profile: str | None) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=ATENDE_SETTINGS if engine == "atende" else IIE_SETTINGS)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", engine, str(path)]
    if profile:
        command += ["--profile", profile]
    completed = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{engine} child failed with exit code {completed.returncode}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# The run ----------------------------------------------------------------------------------


def check(label: str, outcome: dict, rows: int, expected: dict) -> None:
    total = outcome["imported"] + outcome["duplicates"] + outcome["errors"]
    problems = []
    if outcome["rows"] != rows or total != rows:
        problems.append(f"imported + duplicates + errors = {total}, rows = {rows} (job total {outcome['rows']})")
    if outcome["table"] != outcome["imported"]:
        problems.append(f"customers table has {outcome['table']} rows, imported = {outcome['imported']}")
    got = {key: outcome[key] for key in expected}
    if got != expected:
        problems.append(f"outcome {got} != generated {expected}")
    if problems:
        raise AssertionError(f"{label}: " + "; ".join(problems))


def measure(args, files: dict[str, Path], expected: dict) -> dict:
    runs: dict[str, dict[str, list[dict]]] = {fmt: {"atende": [], "iie": []} for fmt in files}
    engines = ["atende"] if args.skip_iie else ["atende", "iie"]
    for repeat in range(args.repeat):
        for fmt, path in files.items():
            for engine in engines:
                empty_customers()
                profile = str(Path(args.profile).resolve() / f"profile-{engine}-{fmt}.txt") if args.profile else None
                log(f"run {repeat + 1}/{args.repeat}: {engine} {fmt} ({args.rows} rows)…")
                outcome = spawn(engine, path, profile)
                check(f"{engine} {fmt}", outcome, args.rows, expected)
                log(f"  {outcome['seconds']:.1f} s ({outcome['cpu_seconds']:.1f} s CPU), "
                    f"{args.rows / outcome['seconds']:.0f} rows/s, peak RSS {outcome['peak_rss_mb']} MB")  # fmt: skip
                runs[fmt][engine].append(outcome)
    empty_customers()
    figures = {"rows": args.rows, "runs": args.repeat, "cores": os.cpu_count(), "load_avg_1m_at_start": args.load}
    passed = {}
    for fmt, path in files.items():
        atende = runs[fmt]["atende"]
        seconds = statistics.median(o["seconds"] for o in atende)
        entry = {
            "file_mb": round(path.stat().st_size / 1e6, 2),
            "atende_rows_per_s": round(args.rows / seconds),
            "atende_seconds": round(seconds, 2),
            "atende_peak_rss_mb": statistics.median(o["peak_rss_mb"] for o in atende),
            "atende_base_rss_mb": statistics.median(o["base_rss_mb"] for o in atende),
            "atende_cpu_seconds": round(statistics.median(o["cpu_seconds"] for o in atende), 2),
        }
        if runs[fmt]["iie"]:
            iie = runs[fmt]["iie"]
            iie_seconds = statistics.median(o["seconds"] for o in iie)
            entry |= {
                "iie_rows_per_s": round(args.rows / iie_seconds),
                "iie_seconds": round(iie_seconds, 2),
                "iie_peak_rss_mb": statistics.median(o["peak_rss_mb"] for o in iie),
                "iie_cpu_seconds": round(statistics.median(o["cpu_seconds"] for o in iie), 2),
                "ratio": round(iie_seconds / seconds, 2),
            }
        entry |= {key: atende[-1][key] for key in ("imported", "duplicates", "errors")}
        figures[fmt] = entry
        passed[fmt] = {
            "rows_per_s": entry["atende_rows_per_s"] >= TARGETS["rows_per_s"],
            "rss_mb": entry["atende_peak_rss_mb"] <= TARGETS["rss_mb"],
            "ratio": entry["ratio"] >= TARGETS["ratio"] if "ratio" in entry else None,
        }
    figures["targets"] = TARGETS
    passed["all"] = all(value is not False for checks in passed.values() for value in checks.values())
    figures["pass"] = passed
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows per file (default 100000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each import; medians are reported")
    parser.add_argument("--seed", type=int, default=20240612, help="seed of the generated rows")
    parser.add_argument("--formats", default="csv,xlsx", help="comma-separated: csv, xlsx")
    parser.add_argument("--skip-iie", action="store_true", help="measure Atende only (no ratio)")
    parser.add_argument("--profile", metavar="DIR", help="write a pyinstrument text profile of each import into DIR")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        engine, path = args.child
        print(json.dumps(child(engine, Path(path), args.profile)), flush=True)
        return 0

    if not args.skip_iie and importlib.util.find_spec("import_export") is None:
        log(IIE_MISSING)
        return 2
    args.load = load_avg()  # other work on the machine skews wall times
    work = Path(tempfile.mkdtemp(prefix="atende-bench-import-"))
    setup_environment(work)
    try:
        log(f"database {os.environ['DATABASE_URL'].rsplit('@', 1)[-1]} (recreated), work dir {work}")
        recreate_database()
        prepare_database()
        log(f"generating {args.rows} rows…")
        rows, expected = generate_rows(args.rows, args.seed)
        log(f"expected outcome: {expected}")
        files = {}
        for fmt in [f.strip() for f in args.formats.split(",") if f.strip()]:
            files[fmt] = work / "files" / f"clientes.{fmt}"
            files[fmt].parent.mkdir(parents=True, exist_ok=True)
            (write_csv if fmt == "csv" else write_xlsx)(files[fmt], rows)
        del rows
        if args.profile:
            Path(args.profile).mkdir(parents=True, exist_ok=True)
        figures = measure(args, files, expected)
    finally:
        tear_down(None, work)
    record(figures, bench="import")
    return 0


if __name__ == "__main__":
    sys.exit(main())
