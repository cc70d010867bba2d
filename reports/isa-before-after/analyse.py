"""The figures README quotes from the runs of run.sh: per side, the median and range of
prefill and decode tokens/s and the median and P95 of time to first token."""
import json, glob, os, statistics as st
HERE = os.path.dirname(os.path.abspath(__file__))
def pct(v, q):
    v = sorted(v); k = (len(v)-1)*q; f = int(k); c = min(f+1, len(v)-1)
    return v[f] + (v[c]-v[f])*(k-f)
out = {}
for side in ("generic", "native"):
    recs = [json.loads(l) for f in sorted(glob.glob(f"{HERE}/runs-{side}/*/samples.jsonl")) for l in open(f)]
    for m in ("lfm2-350m", "qwen3-0.6b"):
        r = [x for x in recs if x["model"] == m]
        pp = [x["tokens_per_s"] for x in r if x["kind"] == "prefill"]
        tg = [x["tokens_per_s"] for x in r if x["kind"] == "decode"]
        tt = [x["ttft_ms"] for x in r if x["kind"] == "chat"]
        out[(side, m)] = (st.median(pp), min(pp), max(pp), st.median(tg), min(tg), max(tg), st.median(tt), pct(tt, .95), len(tt))
        print(side, m, "prefill %.1f (%.1f-%.1f) decode %.1f (%.1f-%.1f) ttft median %.1f p95 %.1f n=%d" % out[(side, m)])
    loads = [json.loads(l).get("load", {}) for f in glob.glob(f"{HERE}/runs-{side}/*/jobs.jsonl") for l in open(f)]
    print(side, "contended jobs:", sum(1 for l in loads if l.get("contended")), "of", len(loads), "max other cpu", max((l.get("other_cpu_cores") or 0) for l in loads))
for m in ("lfm2-350m", "qwen3-0.6b"):
    g, n = out[("generic", m)], out[("native", m)]
    print(m, "native/generic prefill %.2fx decode %.2fx ttft median %.2fx p95 %.2fx" % (n[0]/g[0], n[3]/g[3], n[6]/g[6], n[7]/g[7]))
