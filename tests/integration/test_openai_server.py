"""moeserve serve against the official openai client (and plain HTTP where the client
cannot express a case): chat and completions, streamed and not, the usage chunk, n,
logprobs, stop strings, seeds, concurrent streams, bad input, unknown models, API keys,
overload (429) and a client that disconnects mid-stream.

Run: .venv/bin/python -m pytest tests/integration --server build/app/moeserve
(the default model must be in models/: tools/install-deps --model).
"""
import concurrent.futures
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import openai
import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL = Path(os.environ.get("MOESERVE_TEST_MODEL", ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"))
# Flags every server of the suite gets besides its own, e.g. "--device cuda" to run the suite
# on the GPU executor (tools/gpu-run --server does).
EXTRA_FLAGS = os.environ.get("MOESERVE_TEST_SERVER_FLAGS", "").split()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, *flags):
        self.port = free_port()
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen([binary, "serve", "--model", str(MODEL), "--port", str(self.port), "--threads", "2",
                                      "--kv-cache-gib", "0.25", *EXTRA_FLAGS, *flags],
                                     stdout=self.log, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(self.url("/health"), timeout=2).status == 200:
                    return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not come up")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def client(self, **kw):
        return openai.OpenAI(base_url=self.url("/v1"), api_key=kw.pop("api_key", "none"), max_retries=0, **kw)

    def post(self, path, body, headers=None):
        req = urllib.request.Request(self.url(path), data=body if isinstance(body, bytes) else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.read().decode(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), dict(e.headers)

    def stop(self):
        if self.proc.poll() is not None:  # it died: show why
            self.log.seek(0)
            print(f"moeserve exited with {self.proc.returncode}:\n{self.log.read()[-4000:]}")
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="module")
def server(request):
    s = Server(request.config.getoption("--server"))
    yield s
    s.stop()


def ask(question):
    return [{"role": "user", "content": question}]


def test_chat_completion(server):
    r = server.client().chat.completions.create(model="null", messages=ask("What is the capital of Germany?"),
                                                temperature=0, max_tokens=30)
    assert "Berlin" in r.choices[0].message.content
    assert r.choices[0].finish_reason == "stop"
    assert r.usage.prompt_tokens > 0 and r.usage.completion_tokens > 0
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens


def test_chat_stream_with_usage(server):
    chunks = list(server.client().chat.completions.create(
        messages=ask("What is 2+2?"), model="default", temperature=0, max_tokens=30, stream=True,
        stream_options={"include_usage": True}))
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "4" in text
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["stop"]
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0


def test_completions_n_and_logprobs(server):
    r = server.client().completions.create(model="m", prompt="The sea is", max_tokens=6, n=2, temperature=1.0,
                                           seed=3, logprobs=2)
    assert [c.index for c in r.choices] == [0, 1]
    for c in r.choices:
        assert len(c.logprobs.tokens) == 6 and len(c.logprobs.top_logprobs[0]) == 2
        assert all(lp <= 0 for lp in c.logprobs.token_logprobs)
    assert r.usage.completion_tokens == 12


def test_stop_strings_and_seed_reproducibility(server):
    c = server.client()
    full = c.completions.create(model="m", prompt="1, 2, 3, 4,", max_tokens=12, temperature=0).choices[0].text
    stop = full.strip().split(",")[1].strip()  # a number the greedy text contains
    cut = c.completions.create(model="m", prompt="1, 2, 3, 4,", max_tokens=12, temperature=0, stop=[stop])
    assert cut.choices[0].finish_reason == "stop" and cut.choices[0].text == full[:full.index(stop)]
    a = c.completions.create(model="m", prompt="Once upon a time", max_tokens=16, temperature=1.0, seed=11)
    b = c.completions.create(model="m", prompt="Once upon a time", max_tokens=16, temperature=1.0, seed=11)
    assert a.choices[0].text == b.choices[0].text


def test_concurrent_streams(server):
    def one(i):
        stream = server.client().completions.create(model="m", prompt=f"Story number {i}:", max_tokens=24,
                                                    temperature=0, stream=True)
        return "".join(ch.choices[0].text for ch in stream if ch.choices)

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        texts = list(pool.map(one, range(6)))
    alone = [server.client().completions.create(model="m", prompt=f"Story number {i}:", max_tokens=24,
                                                temperature=0).choices[0].text for i in range(6)]
    assert texts == alone


def test_bad_input_gets_400_and_the_server_keeps_serving(server):
    c = server.client()
    with pytest.raises(openai.BadRequestError) as e:
        c.completions.create(model="m", prompt="x", max_tokens=5, temperature=-1)
    assert "temperature" in str(e.value)
    for body, param in [(b"{not json", None), (b'{"prompt":"x","prompt":"y"}', "prompt"),
                        (b'{"prompt":"x","n":0}', "n"), (b'{"prompt":"x"} trailing', None),
                        (b'{"messages":[{"role":"user","content":"x"}],"chat_template":"{{x}}"}', "chat_template")]:
        route = "/v1/chat/completions" if b"messages" in body else "/v1/completions"
        status, text, _ = server.post(route, body)
        assert status == 400, text
        err = json.loads(text)["error"]
        if param:
            assert err["param"] == param, err
    status, text, _ = server.post("/v1/completions", {"prompt": "x" * 40000, "max_tokens": 10})
    assert status == 400 and "maximum context length" in text
    assert c.completions.create(model="m", prompt="Hi", max_tokens=2).choices[0].text is not None


def test_tokenize_and_detokenize(server):
    status, text, _ = server.post("/tokenize", {"prompt": "Hello world"})
    tokens = json.loads(text)["tokens"]
    assert status == 200 and len(tokens) == 2
    status, text, _ = server.post("/detokenize", {"tokens": tokens})
    assert json.loads(text)["prompt"] == "Hello world"


def test_a_client_that_disconnects_mid_stream_frees_the_engine(server):
    body = json.dumps({"prompt": "Tell me a long story.", "max_tokens": 2000, "ignore_eos": True, "stream": True})
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(f"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n{body}".encode())
        seen = b""
        while b"data:" not in seen:
            chunk = s.recv(4096)
            assert chunk, "the stream ended before its first event"
            seen += chunk
    start = time.time()  # the aborted request must not hold the engine: a new one is answered at once
    r = server.client().completions.create(model="m", prompt="Hi", max_tokens=4, temperature=0)
    assert r.choices[0].finish_reason == "length" and time.time() - start < 10
    m = metrics(server)  # its blocks are back: nothing running, no KV block in use
    assert m["moeserve:num_requests_running"] == 0 and m["moeserve:kv_cache_usage_perc"] == 0


def metrics(server):
    with urllib.request.urlopen(server.url("/metrics"), timeout=10) as r:
        text = r.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def test_metrics_prefix_cache_and_batching(server):
    c = server.client()
    prompt = "The history of the lighthouse. " * 40  # ~240 tokens: three full 64-token blocks
    before = metrics(server)
    first = time.time()
    c.completions.create(model="m", prompt=prompt, max_tokens=1, temperature=0)
    cold = time.time() - first
    second = time.time()
    c.completions.create(model="m", prompt=prompt, max_tokens=1, temperature=0)
    warm = time.time() - second
    after = metrics(server)
    hits = after["moeserve:prefix_cache_hits_total"] - before["moeserve:prefix_cache_hits_total"]
    assert hits >= 192, hits  # the shared full blocks of the repeated prompt
    assert warm < cold, (warm, cold)
    # The usage reports the reused tokens once, streamed or not.
    chunks = list(c.completions.create(model="m", prompt=prompt, max_tokens=8, temperature=0, stream=True,
                                       stream_options={"include_usage": True}))
    cached = chunks[-1].usage.prompt_tokens_details.cached_tokens
    assert 192 <= cached < chunks[-1].usage.prompt_tokens, chunks[-1].usage
    # Several streams at once are batched: some engine step carried more than one token.
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: c.completions.create(model="m", prompt=f"Count {i}:", max_tokens=16), range(4)))
    m = metrics(server)
    single = m['moeserve:iteration_tokens_total_bucket{le="1"}']
    assert m["moeserve:iteration_tokens_total_count"] > single
    assert m["moeserve:num_requests_running"] == 0 and m["moeserve:kv_cache_usage_perc"] == 0
    # Queue and prefill times are observed once per request that produced a token.
    assert m["moeserve:request_queue_time_seconds_count"] == m["moeserve:time_to_first_token_seconds_count"] > 0
    assert m["moeserve:request_prefill_time_seconds_count"] == m["moeserve:time_to_first_token_seconds_count"]


def test_choices_of_one_prompt_share_its_blocks(server):
    prompt = "A fresh prompt about tidal pools and the creatures in them. " * 20  # ~240 tokens, new to the cache
    before = metrics(server)["moeserve:prefix_cache_hits_total"]
    r = server.client().completions.create(model="m", prompt=prompt, n=3, max_tokens=4, temperature=0)
    assert len(r.choices) == 3 and len({c.text for c in r.choices}) == 1  # greedy: the same text thrice
    hits = metrics(server)["moeserve:prefix_cache_hits_total"] - before
    assert hits >= 2 * 192, hits  # the second and third choice reuse the first's three full blocks


def test_probe_port_serves_metrics_that_promtool_accepts(request):
    probe = free_port()
    s = Server(request.config.getoption("--server"), "--metrics-port", str(probe))
    try:
        s.client().completions.create(model="m", prompt="Hi", max_tokens=3)
        with urllib.request.urlopen(f"http://127.0.0.1:{probe}/health", timeout=10) as r:
            assert r.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{probe}/metrics", timeout=10) as r:
            text = r.read().decode()
        assert "moeserve:generation_tokens_total 3" in text
        promtool = shutil.which("promtool")
        if promtool is None:
            pytest.skip("promtool is not installed (tools/install-deps --test installs it)")
        check = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
        # The names are REFERENCE.md's (vLLM's): the "moeserve:" prefix, as vLLM's "vllm:", and
        # the histogram iteration_tokens_total. promtool's linter flags the colon and that
        # histogram's suffix (exit status 3, lint findings), as it does for vLLM's metrics. Any
        # other finding, or a parse error (status 1), fails.
        allowed = ("metric names should not contain ':'",
                   'moeserve:iteration_tokens_total non-counter metrics should not have "_total" suffix')
        findings = [l.strip() for l in (check.stdout + check.stderr).splitlines() if l.strip()]
        others = [l for l in findings if not l.endswith(allowed[0]) and l != allowed[1]]
        assert check.returncode in (0, 3) and not others, check.stdout + check.stderr
    finally:
        s.stop()


def test_names_keys_and_overload(request):
    s = Server(request.config.getoption("--server"), "--served-model-name", "smollm2", "--api-key", "k3y",
               "--max-num-seqs", "1", "--max-queued-requests", "0")
    try:
        with pytest.raises(openai.AuthenticationError):
            s.client(api_key="wrong").models.list()
        c = s.client(api_key="k3y")
        assert [m.id for m in c.models.list().data] == ["smollm2"]
        with pytest.raises(openai.NotFoundError) as e:
            c.completions.create(model="gpt-4", prompt="x", max_tokens=1)
        assert "The model `gpt-4` does not exist." in str(e.value)
        stream = c.completions.create(model="smollm2", prompt="Long:", max_tokens=200, stream=True,
                                      extra_body={"ignore_eos": True})
        next(iter(stream))  # the one slot is taken
        status, text, headers = s.post("/v1/completions", {"prompt": "x", "max_tokens": 1},
                                       {"Authorization": "Bearer k3y"})
        assert status == 429 and headers.get("Retry-After") == "1", text
        stream.close()
    finally:
        s.stop()


def open_raw_request(port, body):
    """A request on its own socket, so the test can drop the connection."""
    s = socket.create_connection(("127.0.0.1", port))
    data = json.dumps(body)
    s.sendall(f"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              f"Content-Length: {len(data)}\r\n\r\n{data}".encode())
    return s


def wait_for(server, predicate, timeout=15, what=""):
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = metrics(server)
        if predicate(m):
            return m
        time.sleep(0.1)
    now = {k: v for k, v in metrics(server).items() if 'num_requests' in k}
    raise AssertionError(f"timed out{' waiting for ' + what if what else ''}; metrics now: {now}")


def test_a_client_that_disconnects_while_queued_frees_its_place(request):
    s = Server(request.config.getoption("--server"), "--max-num-seqs", "1")
    try:
        running = open_raw_request(s.port, {"prompt": "Long:", "max_tokens": 3000, "ignore_eos": True, "stream": True})
        wait_for(s, lambda m: m["moeserve:num_requests_running"] == 1)
        for stream in (False, True):  # queued behind it, then gone: streaming or not
            queued = open_raw_request(s.port, {"prompt": "Queued:", "max_tokens": 5, "stream": stream})
            wait_for(s, lambda m: m["moeserve:num_requests_waiting"] == 1)
            queued.close()
            wait_for(s, lambda m: m["moeserve:num_requests_waiting"] == 0,
                     what=f"the {'streamed' if stream else 'plain'} queued request to leave after its client closed")
        running.close()
        m = wait_for(s, lambda m: m["moeserve:num_requests_running"] == 0)
        assert m["moeserve:kv_cache_usage_perc"] == 0
        r = s.client().completions.create(model="m", prompt="Hi", max_tokens=2)
        assert r.usage.completion_tokens == 2
    finally:
        s.stop()


def test_config_file_sets_flags_and_the_command_line_wins(request, tmp_path):
    config = tmp_path / "serve.json"
    config.write_text(json.dumps({"served_model_name": ["from-config"], "port": 1, "max-num-seqs": 1,
                                  "max_queued_requests": 0, "log_level": "warn"}))
    s = Server(request.config.getoption("--server"), "--config", str(config))  # --port comes from the command line
    try:
        assert [m.id for m in s.client().models.list().data] == ["from-config"]
        stream = s.client().completions.create(model="from-config", prompt="Long:", max_tokens=200, stream=True,
                                               extra_body={"ignore_eos": True})
        next(iter(stream))
        status, _, _ = s.post("/v1/completions", {"prompt": "x", "max_tokens": 1})
        assert status == 429  # max-num-seqs 1 and no queue, from the file
        stream.close()
    finally:
        s.stop()
    bad = tmp_path / "bad.yaml"
    bad.write_text("max_num_sequences: 4\n")
    r = subprocess.run([request.config.getoption("--server"), "serve", "--model", str(MODEL), "--config", str(bad)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "key 'max_num_sequences': no such flag" in r.stderr, r.stderr


def test_sigterm_drains_then_ends_what_is_left_with_an_error_event(request):
    s = Server(request.config.getoption("--server"), "--shutdown-timeout", "20")
    short = concurrent.futures.ThreadPoolExecutor(1).submit(
        lambda: s.client().completions.create(model="m", prompt="Hi", max_tokens=40, extra_body={"ignore_eos": True}))
    long = open_raw_request(s.port, {"prompt": "Long:", "max_tokens": 5000, "ignore_eos": True, "stream": True})
    wait_for(s, lambda m: m["moeserve:num_requests_running"] == 2)  # both running
    s.proc.terminate()
    start = time.time()
    long.settimeout(40)
    seen = b""
    while True:
        chunk = long.recv(65536)
        if not chunk:
            break
        seen += chunk
        if b"shutting down" in seen and b"0\r\n\r\n" in seen:
            break
    long.close()
    assert b'"error"' in seen and b"the server is shutting down" in seen, seen[-500:]
    assert time.time() - start < 35  # the 20 s drain (ample for 40 tokens on a busy machine), then the error event
    assert short.result(timeout=30).usage.completion_tokens == 40  # drained: it finished normally
    assert s.proc.wait(timeout=20) == 0
