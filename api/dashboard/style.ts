// The dashboard's one stylesheet, inlined into every page: no CDN, no build, one request.
// Mobile first; tables scroll sideways inside their own box instead of widening the page.
export const STYLE = `
:root{--ink:#1d2433;--muted:#667085;--line:#e4e7ec;--bg:#f7f8fa;--card:#fff;--accent:#3056d3;--warn:#b54708;--bad:#b42318;--good:#067647}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--accent)}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;background:var(--ink);color:#fff}
header.top a{color:#fff;text-decoration:none}
.brand{font-weight:700;margin-right:.5rem}
header nav{display:flex;flex-wrap:wrap;gap:.25rem .9rem}
header nav a{opacity:.8}header nav a[aria-current]{opacity:1;border-bottom:2px solid #fff}
.who{margin-left:auto;display:flex;gap:.5rem;align-items:center;font-size:.85rem}
.who button{background:transparent;color:#fff;border:1px solid #fff6;border-radius:4px;padding:.15rem .5rem;cursor:pointer}
main{max-width:1200px;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.4rem 0 .6rem}
.muted{color:var(--muted)}.bad{color:var(--bad)}.warn{color:var(--warn)}.good{color:var(--good)}
form.login{max-width:420px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem;margin:0 0 1rem}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(260px,1fr))}
.two{display:grid;gap:1rem;grid-template-columns:1fr}
@media(min-width:900px){.two{grid-template-columns:1fr 1fr}}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;background:var(--card)}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.75rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
form.filters,.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:1rem}
label{display:flex;flex-direction:column;font-size:.8rem;color:var(--muted);gap:.15rem}
input,select,textarea,button{font:inherit}
input,select,textarea{border:1px solid var(--line);border-radius:6px;padding:.35rem .5rem;background:#fff;color:var(--ink)}
textarea{width:100%;font-family:ui-monospace,monospace;font-size:.85rem}
button,.button{background:var(--accent);color:#fff;border:0;border-radius:6px;padding:.4rem .8rem;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:var(--accent);border:1px solid var(--accent)}
.actions{display:flex;flex-wrap:wrap;gap:.4rem}.actions form{display:flex;gap:.3rem;margin:0}
.flash{padding:.6rem .8rem;border-radius:6px;background:#ecfdf3;border:1px solid #abefc6;margin-bottom:1rem}
.flash.error{background:#fef3f2;border-color:#fecdca}
.funnel{display:flex;flex-direction:column;gap:.35rem}
.funnel .row{display:grid;grid-template-columns:minmax(6rem,9rem) 1fr;gap:.6rem;align-items:center}
.funnel .bar{height:2.1rem;padding:0 .3rem;background:linear-gradient(90deg,#3056d3,#5b7be0);border-radius:4px;color:#fff;display:flex;align-items:center;justify-content:center;font-weight:600;min-width:4.2rem;margin:0 auto;font-variant-numeric:tabular-nums}
.funnel .track{background:#eef1f6;border-radius:4px}
@media(max-width:600px){.funnel .row{grid-template-columns:5.5rem 1fr}main{padding:.7rem}}
.funnel .step{grid-column:2;font-size:.8rem;color:var(--muted);text-align:center}
.kpis{display:flex;flex-wrap:wrap;gap:1rem;margin-bottom:1rem}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.6rem .9rem;min-width:9rem}
.kpi b{display:block;font-size:1.3rem}
.tag{display:inline-block;font-size:.75rem;padding:.05rem .45rem;border-radius:999px;background:#eef1f6;color:var(--ink);margin:0 .2rem .2rem 0}
.tag.stalled{background:#fffaeb;color:var(--warn)}.tag.bad{background:#fef3f2;color:var(--bad)}
.timeline{list-style:none;margin:0;padding:0;border-left:2px solid var(--line)}
.timeline li{margin:0 0 .7rem .9rem;position:relative}
.timeline li::before{content:"";position:absolute;left:-1.27rem;top:.45rem;width:.6rem;height:.6rem;border-radius:50%;background:var(--accent)}
.timeline li.event::before{background:var(--good)}.timeline li.flag::before{background:var(--warn)}.timeline li.stage::before{background:var(--ink)}
.flow{display:flex;flex-wrap:wrap;gap:.6rem;align-items:stretch}
.flow .stage{flex:1 1 220px;background:var(--card);border:1px solid var(--line);border-top:4px solid var(--accent);border-radius:8px;padding:.7rem}
.flow .arrow{align-self:center;color:var(--muted);font-size:1.4rem}
.flow ol{margin:.3rem 0;padding-left:1.2rem}.flow ol ol{border-left:2px dashed var(--line);padding-left:1rem}
article.template:not(.big) iframe.preview,article.template:not(.big) pre{height:340px;overflow:auto}
iframe.preview{width:100%;height:520px;border:1px solid var(--line);border-radius:6px;background:#fff}
pre{white-space:pre-wrap;word-break:break-word;background:#fff;border:1px solid var(--line);border-radius:6px;padding:.7rem;font-size:.82rem;margin:0}
.problems{border-left:4px solid var(--bad);background:#fef3f2;padding:.5rem .8rem;margin:.5rem 0;border-radius:4px}
.problems li{font-family:ui-monospace,monospace;font-size:.82rem}
svg.spark{width:100%;max-width:520px;height:90px;background:#fff;border:1px solid var(--line);border-radius:6px}
`;
