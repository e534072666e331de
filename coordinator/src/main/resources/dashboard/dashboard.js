// The Cohort dashboard: loads the run's history once, then follows the server's change
// stream (/api/events) and fetches only what is new. Charts are drawn by uPlot.
(function () {
  "use strict";

  // Points asked of the server per load; the server averages buckets beyond that.
  const MAX_POINTS = 2000;
  // When the browser holds more points than this, it reloads the history downsampled.
  const CLIENT_LIMIT = 2 * MAX_POINTS;
  const LOG_LIMIT = 300;
  const TOKEN_KEY = "cohort.token";

  const series = { step: [], loss: [], tokensPerS: [], computeMs: [], allReduceMs: [] };
  const evals = new Map();
  const view = { lastStep: -1, logSequence: 0, run: null, runFetchedAt: 0 };
  const charts = {};
  const dirty = new Set();
  let busy = false;

  function $(id) {
    return document.getElementById(id);
  }

  async function getJson(url) {
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) {
      throw new Error(url + " answered " + response.status);
    }
    return response.json();
  }

  // ---------------------------------------------------------------- formatting

  function compact(n, digits) {
    if (n === null || n === undefined || Number.isNaN(n)) return "–";
    const abs = Math.abs(n);
    if (abs >= 1e9) return (n / 1e9).toFixed(digits ?? 2) + "B";
    if (abs >= 1e6) return (n / 1e6).toFixed(digits ?? 2) + "M";
    if (abs >= 1e4) return (n / 1e3).toFixed(digits ?? 1) + "k";
    return n.toFixed(digits ?? 0);
  }

  // A count such as tokens per second: 5,300 below ten thousand, 12.3k above.
  function count(n) {
    if (n === null || n === undefined || Number.isNaN(n)) return "–";
    return Math.abs(n) >= 1e4 ? compact(n, 1) : Math.round(n).toLocaleString("en-US");
  }

  function fixed(n, digits) {
    return n === null || n === undefined || Number.isNaN(n) ? "–" : n.toFixed(digits);
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const pad = (x) => String(x).padStart(2, "0");
    if (h > 0) return h + "h " + pad(m) + "m " + pad(s % 60) + "s";
    if (m > 0) return m + "m " + pad(s % 60) + "s";
    return (s % 60) + "s";
  }

  function text(id, value) {
    const element = $(id);
    if (element.textContent !== value) {
      element.textContent = value;
      element.title = value;
    }
  }

  // ---------------------------------------------------------------- charts

  function chartSize(element) {
    // Leaves room below the plot for a legend of up to two lines.
    return { width: Math.max(200, element.clientWidth), height: element.clientHeight - 44 };
  }

  // Room for the longest tick label of a y axis, so that none is cut.
  function axisWidth(u, values) {
    const longest = values ? Math.max(0, ...values.map((v) => String(v).length)) : 0;
    return Math.max(40, 16 + 7 * longest);
  }

  function makeChart(id, seriesOptions, liveLegend) {
    const element = $(id);
    const options = Object.assign(chartSize(element), {
      scales: { x: { time: false } },
      series: [{ label: "step", value: (u, v) => (v === null ? "–" : v) }].concat(seriesOptions),
      axes: [
        { stroke: "#6b7280", grid: { stroke: "#f0f1f3" }, ticks: { stroke: "#e5e7eb" } },
        { stroke: "#6b7280", grid: { stroke: "#f0f1f3" }, ticks: { stroke: "#e5e7eb" },
          size: axisWidth, values: (u, ticks) => ticks.map((t) => compact(t, 1)) },
      ],
      cursor: { drag: { x: true, y: false } },
      legend: { live: liveLegend },
    });
    const empty = [[]].concat(seriesOptions.map(() => []));
    return new uPlot(options, empty, element);
  }

  function line(label, color, extra) {
    return Object.assign({ label: label, stroke: color, width: 1.5, spanGaps: true,
      points: { show: false }, value: (u, v) => (v === null ? "–" : fixed(v, 3)) }, extra || {});
  }

  // Evaluation points are marked while there are few enough to tell apart.
  function fewEvals() {
    return evals.size <= 100;
  }

  function createCharts() {
    charts.loss = makeChart("chart-loss", [
      line("train loss", "#2563eb"),
      line("train (eval)", "#059669", { width: 2, points: { show: fewEvals, size: 5 } }),
      line("validation", "#d97706", { width: 2, points: { show: fewEvals, size: 5 } }),
    ], true);
    charts.throughput = makeChart("chart-throughput", [
      line("tokens/s", "#0891b2", { fill: "rgba(8,145,178,0.08)",
        value: (u, v) => count(v) }),
    ], false);
    charts.stepTime = makeChart("chart-step-time", [
      line("compute", "#4f46e5", { value: (u, v) => fixed(v, 1) }),
      line("all-reduce", "#db2777", { value: (u, v) => fixed(v, 1) }),
    ], false);
    new ResizeObserver(() => {
      for (const [name, chart] of Object.entries(charts)) {
        const ids = { loss: "chart-loss", throughput: "chart-throughput",
          stepTime: "chart-step-time" };
        chart.setSize(chartSize($(ids[name])));
      }
    }).observe(document.querySelector(".grid"));
  }

  function drawCharts() {
    const evalSteps = Array.from(evals.keys()).sort((a, b) => a - b);
    const joined = uPlot.join([
      [series.step, series.loss],
      [evalSteps, evalSteps.map((s) => evals.get(s)[0]), evalSteps.map((s) => evals.get(s)[1])],
    ]);
    charts.loss.setData(joined);
    charts.throughput.setData([series.step, series.tokensPerS]);
    charts.stepTime.setData([series.step, series.computeMs, series.allReduceMs]);
    text("loss-points", series.step.length + " points, " + evalSteps.length + " evaluations");
  }

  // ---------------------------------------------------------------- loading

  async function loadMetrics() {
    let full = view.lastStep < 0;
    let since = full ? -1 : view.lastStep;
    let body = await getJson("api/metrics?since=" + since + "&max_points=" + MAX_POINTS);
    if (!full && body.last_step < view.lastStep) {
      // The run went back to a checkpoint: start over.
      full = true;
      body = await getJson("api/metrics?since=-1&max_points=" + MAX_POINTS);
    }
    if (full) {
      for (const column of Object.values(series)) column.length = 0;
      evals.clear();
    }
    appendMetrics(body);
    if (series.step.length > CLIENT_LIMIT) {
      view.lastStep = -1;
      return loadMetrics();
    }
    drawCharts();
  }

  function appendMetrics(body) {
    for (let i = 0; i < body.step.length; i++) {
      series.step.push(body.step[i]);
      series.loss.push(body.loss[i]);
      series.tokensPerS.push(body.tokens_per_s[i]);
      series.computeMs.push(body.compute_ms[i]);
      series.allReduceMs.push(body.allreduce_ms[i]);
    }
    for (const e of body.evals) {
      evals.set(e.step, [e.train_loss, e.val_loss]);
    }
    if (body.step.length > 0) {
      view.lastStep = body.step[body.step.length - 1];
    } else if (view.lastStep < 0) {
      view.lastStep = 0;
    }
  }

  async function loadRun() {
    view.run = await getJson("api/run");
    view.runFetchedAt = performance.now();
    showRun(view.run);
  }

  function showRun(run) {
    text("run-name", run.run_name || "waiting for the run");
    document.title = (run.run_name ? run.run_name + " · " : "") + "Cohort";
    const badge = $("run-state");
    badge.textContent = run.state + (run.detail ? ": " + run.detail : "");
    badge.className = "badge state-" + run.state;
    if (run.run_name) {
      text("model", compact(run.parameter_count, 2) + " params");
      text("data", (run.model_kind || "–") + " · preset " + (run.preset || "–") + " · "
        + (run.data_name || "–"));
      text("total-steps", String(run.total_steps));
    }
    text("step", String(run.step));
    const share = run.total_steps > 0 ? Math.min(1, run.step / run.total_steps) : 0;
    $("progress-bar").style.width = (share * 100).toFixed(1) + "%";
    text("loss", fixed(run.loss, 4));
    text("val-loss", run.val_loss === undefined ? "no evaluation yet"
      : "val " + fixed(run.val_loss, 4) + " at step " + run.eval_step);
    text("tokens-per-s", count(run.tokens_per_s) + " tok/s");
    text("lr", run.learning_rate === undefined ? "–" : "lr " + run.learning_rate.toExponential(2));
    text("step-ms", run.step_ms === undefined ? "–" : fixed(run.step_ms, 1) + " ms");
    const phases = run.compute_ms_total + run.allreduce_ms_total;
    text("phase-share", run.compute_ms === undefined ? "–"
      : "compute " + fixed(run.compute_ms, 1) + " · all-reduce " + fixed(run.allreduce_ms, 1));
    text("phase-overall", phases > 0
      ? "all-reduce " + (100 * run.allreduce_ms_total / phases).toFixed(1) + "% overall"
      : "");
    showClock();
    showSettings(run);
    showSample(run.sample);
    showCheckpoints(run.checkpoints);
  }

  function showClock() {
    const run = view.run;
    if (!run) return;
    const ticking = !["finished", "failed"].includes(run.state) && run.run_name;
    const drift = ticking ? (performance.now() - view.runFetchedAt) / 1000 : 0;
    text("elapsed", duration(run.elapsed_s + drift));
    text("eta", run.eta_s === null || run.eta_s === undefined
      ? (ticking ? "ETA –" : run.state)
      : "ETA " + duration(Math.max(0, run.eta_s - drift)));
  }

  function showSettings(run) {
    const list = $("settings");
    const settings = Object.entries(run.settings || {});
    if (list.dataset.count === String(settings.length)) return;
    list.dataset.count = String(settings.length);
    text("run-dir", run.run_dir || "");
    list.replaceChildren();
    for (const [key, value] of settings) {
      const pair = element("div", "");
      const dd = element("dd", "", value);
      dd.title = value;
      pair.append(element("dt", "", key), dd);
      list.append(pair);
    }
  }

  function showSample(sample) {
    text("sample", sample ? sample.text : "no sample yet");
    text("sample-step", sample ? "step " + sample.step : "");
  }

  function showCheckpoints(checkpoints) {
    const list = $("checkpoints");
    if (list.dataset.count === String(checkpoints.length)) return;
    list.dataset.count = String(checkpoints.length);
    list.replaceChildren();
    if (checkpoints.length === 0) {
      list.append(element("li", "empty", "none yet"));
    }
    for (const c of checkpoints.slice().reverse()) {
      const item = element("li", "");
      item.append(element("span", "pill", "step " + c.step), element("span", "path", c.path));
      item.title = c.path + " at " + c.time;
      list.append(item);
    }
  }

  async function loadWorkers() {
    const workers = await getJson("api/workers");
    const body = $("workers");
    body.replaceChildren();
    text("worker-count", workers.length + " known");
    if (workers.length === 0) {
      const row = element("tr", "");
      const cell = element("td", "empty", "no worker has joined yet");
      cell.colSpan = 9;
      row.append(cell);
      body.append(row);
    }
    for (const w of workers) {
      body.append(workerRow(w));
    }
  }

  function workerRow(w) {
    const stale = w.last_heard_s_ago !== null && w.last_heard_s_ago > 30;
    const row = element("tr", w.state === "lost" ? "lost" : (stale ? "stale" : ""));
    row.dataset.rank = w.rank;
    row.append(
      element("td", "", String(w.rank)),
      element("td", "", w.host || "–"),
      element("td", "", w.device || "–"),
      element("td", "", w.state || "–"),
      element("td", "num", String(w.last_step)),
      element("td", "num", w.last_heard_s_ago === null ? "–"
        : fixed(w.last_heard_s_ago, 1) + " s ago"),
      element("td", "num", w.tokens_per_s === undefined ? "–" : count(w.tokens_per_s)),
      splitCell(w),
      element("td", "num", w.busbw_gbs === undefined ? "–" : fixed(w.busbw_gbs, 2) + " GB/s"));
    return row;
  }

  function splitCell(w) {
    const cell = element("td", "");
    if (w.compute_ms === undefined) {
      cell.textContent = "–";
      return cell;
    }
    const total = w.compute_ms + w.allreduce_ms;
    const computeShare = total > 0 ? (100 * w.compute_ms) / total : 0;
    const split = element("div", "split");
    const bar = element("div", "bar");
    const compute = element("div", "compute");
    compute.style.width = computeShare.toFixed(1) + "%";
    const allReduce = element("div", "allreduce");
    allReduce.style.width = (100 - computeShare).toFixed(1) + "%";
    bar.append(compute, allReduce);
    split.append(bar, element("span", "text",
      fixed(w.compute_ms, 1) + " / " + fixed(w.allreduce_ms, 1)));
    cell.append(split);
    return cell;
  }

  async function loadLogs() {
    const lines = await getJson("api/logs?after=" + view.logSequence);
    const log = $("log");
    const follow = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    for (const l of lines) {
      view.logSequence = Math.max(view.logSequence, l.seq);
      const row = element("div", "line");
      row.append(
        element("span", "time", l.time.substring(11, 19)),
        element("span", "level level-" + l.level, l.level),
        element("span", "logger", l.logger.substring(l.logger.lastIndexOf(".") + 1)),
        element("span", "message", l.message));
      row.title = l.logger + ": " + l.message;
      log.append(row);
    }
    while (log.children.length > LOG_LIMIT) log.firstChild.remove();
    if (log.children.length === 0) log.append(element("div", "empty", "no log lines yet"));
    else log.querySelectorAll(".empty").forEach((e) => e.remove());
    if (follow) log.scrollTop = log.scrollHeight;
  }

  function element(tag, className, content) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (content !== undefined) e.textContent = content;
    return e;
  }

  // ---------------------------------------------------------------- updates

  const loaders = {
    run: loadRun,
    metrics: loadMetrics,
    workers: loadWorkers,
    sample: loadRun,
    checkpoints: loadRun,
    log: loadLogs,
  };

  function request(parts) {
    parts.forEach((p) => dirty.add(p));
    if (!busy) drain();
  }

  async function drain() {
    busy = true;
    try {
      while (dirty.size > 0) {
        const parts = Array.from(dirty);
        dirty.clear();
        const unique = new Set(parts.map((p) => loaders[p]).filter(Boolean));
        for (const load of unique) {
          try {
            await load();
          } catch (error) {
            console.warn(error);
          }
        }
      }
    } finally {
      busy = false;
    }
  }

  function follow() {
    const events = new EventSource("api/events");
    events.addEventListener("changed", (e) => request(JSON.parse(e.data)));
    events.onopen = () => {
      $("connection").className = "connection live";
      $("connection").textContent = "live";
      request(["run", "metrics", "workers", "log"]);
    };
    events.onerror = () => {
      $("connection").className = "connection down";
      $("connection").textContent = "reconnecting";
    };
  }

  // ---------------------------------------------------------------- controls

  function setUpControls() {
    const input = $("token");
    const fromLink = new URLSearchParams(location.hash.substring(1)).get("token");
    if (fromLink) {
      sessionStorage.setItem(TOKEN_KEY, fromLink);
      history.replaceState(null, "", location.pathname + location.search);
    }
    input.value = sessionStorage.getItem(TOKEN_KEY) || "";
    input.addEventListener("change", () => sessionStorage.setItem(TOKEN_KEY, input.value.trim()));
    for (const button of document.querySelectorAll("#controls button")) {
      button.addEventListener("click", () => sendControl(button.dataset.action));
    }
  }

  async function sendControl(action) {
    const token = $("token").value.trim();
    sessionStorage.setItem(TOKEN_KEY, token);
    const result = $("control-result");
    if (action === "stop" && !confirm("Stop the run after a checkpoint?")) return;
    const response = await fetch("api/control/" + action, {
      method: "POST",
      headers: { Authorization: "Bearer " + token },
    });
    const body = await response.json().catch(() => ({}));
    result.className = "control-result" + (response.ok ? "" : " error");
    result.textContent = response.ok ? action + " sent" : (body.error || "failed");
  }

  // ---------------------------------------------------------------- start

  function start() {
    createCharts();
    setUpControls();
    follow();
    request(["run", "metrics", "workers", "log"]);
    setInterval(showClock, 1000);
    setInterval(() => request(["workers"]), 5000);
  }

  window.cohortDashboard = { charts: charts, series: series, evals: evals, view: view };
  start();
})();
