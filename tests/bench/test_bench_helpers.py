"""The bench's pure helpers: percentiles, wrk's result line, the access log,
target tiers and the docs section replacement."""

from bench import accesslog, markdown, targets, wrk
from bench.stats import percentile, summary


def test_nearest_rank_percentiles():
    values = list(range(1, 101))  # 1..100
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) is None
    assert summary([3.0, 1.0, 2.0]) == {"n": 3, "p50": 2.0, "p95": 3.0, "p99": 3.0}


def test_wrk_result_line_in_ms_and_requests_per_second():
    output = ("Running 10s test @ http://127.0.0.1:1/\n"
              'BENCH_RESULT {"requests":500,"duration_us":10000000,"bytes":1000,"p50_us":12345,'
              '"p95_us":20000,"p99_us":31000,"mean_us":13000.5,"max_us":40000,'
              '"errors":{"connect":0,"read":0,"write":0,"status":2,"timeout":0}}\n')
    result = wrk.parse(output)
    assert result["rps"] == 50.0
    assert (result["p50"], result["p95"], result["p99"]) == (12.35, 20.0, 31.0)
    assert result["errors"] == {"status": 2}


def test_access_log_groups_tagged_lines(tmp_path):
    log = tmp_path / "access.log"
    log.write_text('200 1500 "list_first" "GET /contacts/ HTTP/1.1"\n'
                   '200 2500 "list_first" "GET /contacts/ HTTP/1.1"\n'
                   '302 800 "list_first/warmup" "GET /contacts/ HTTP/1.1"\n'
                   '200 900 "-" "GET /login HTTP/1.1"\n'
                   'garbage line\n')
    parsed = accesslog.read(log)
    assert parsed["list_first"] == {"ms": [1.5, 2.5], "statuses": {"200": 2}}
    assert parsed["list_first/warmup"]["statuses"] == {"302": 1}
    assert "-" not in parsed


def test_target_tiers():
    assert targets.tier("sqlite", 2_000)[0] == 100_000
    assert targets.tier("sqlite", 100_000)[0] == 100_000
    assert targets.tier("sqlite", 500_000)[0] == 1_000_000
    assert targets.tier("sqlite", 5_000_000)[0] == 1_000_000
    assert targets.tier("postgresql", 100_000) == (1_000_000, targets.LATENCY[("postgresql", 1_000_000)])
    assert targets.latency_check({"list": 25}, "list", 25.0) == {"limit_ms": 25, "pass": True}
    assert targets.latency_check({"list": 25}, "list", 25.1)["pass"] is False
    assert targets.latency_check({"list": 25}, None, 3.0) is None


def test_docs_section_replaced_in_place_or_appended():
    doc = "# Benchmarks\n\nIntro.\n\n<!-- bench:sqlite-100 -->\nold\n<!-- /bench:sqlite-100 -->\n\nTail.\n"
    replaced = markdown.replace_section(doc, "sqlite-100", "## new\n")
    assert replaced == ("# Benchmarks\n\nIntro.\n\n<!-- bench:sqlite-100 -->\n## new\n"
                        "<!-- /bench:sqlite-100 -->\n\nTail.\n")
    appended = markdown.replace_section(replaced, "postgresql-100", "## pg")
    assert appended.startswith(replaced.rstrip("\n"))
    assert appended.endswith("\n\n<!-- bench:postgresql-100 -->\n## pg\n<!-- /bench:postgresql-100 -->\n")
    assert markdown.replace_section(appended, "sqlite-100", "## again").count("bench:sqlite-100 -->") == 2


def test_wrk_result_without_completed_requests_has_no_percentiles():
    output = ('BENCH_RESULT {"requests":0,"duration_us":10000000,"bytes":0,"p50_us":0,"p95_us":0,"p99_us":0,'
              '"mean_us":0.0,"max_us":0,"errors":{"connect":0,"read":0,"write":0,"status":0,"timeout":16}}\n')
    result = wrk.parse(output)
    assert result["rps"] == 0.0
    assert result["p95"] is None
    assert result["errors"] == {"timeout": 16}
