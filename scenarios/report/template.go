package report

import (
	"fmt"
	"html/template"
)

// pageTmpl renders a page. The page is well-formed XML, so tests can
// parse it.
var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"f":   func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"add": func(a, b float64) float64 { return a + b },
	"mul": func(a, b float64) float64 { return a * b },
}).Parse(pageHTML))

const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<title>{{.Title}}</title>
<style>
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1f2933;background:#f3f4f6}
main{max-width:1360px;margin:0 auto;padding:14px 20px 28px}
header{display:flex;align-items:baseline;gap:14px;flex-wrap:wrap}
h1{font-size:22px;margin:0}
h2{font-size:15px;margin:0 0 8px;color:#3e4c59}
section{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:12px 14px;margin-top:12px}
.meta{color:#52606d;font-size:13px;margin:4px 0 0}
.meta b{color:#1f2933;font-weight:600}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.04em;color:#fff;background:#9aa5b1}
.badge.pass{background:#2f9e44}.badge.fail{background:#e03131}.badge.inconclusive{background:#e8a33d}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;color:#52606d;font-weight:600;border-bottom:1px solid #e1e4e8;padding:4px 8px}
td{border-bottom:1px solid #f0f1f3;padding:4px 8px;vertical-align:top}
td.check{font-family:ui-monospace,"DejaVu Sans Mono",monospace;white-space:nowrap}
td ul{margin:0;padding-left:16px}
tr.during td.lat{color:#0b7285;font-weight:700}tr.late td.lat,tr.late td.note{color:#d9480f;font-weight:600}tr.none td.note,tr.muted td{color:#7b8794}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:#3e4c59;margin-bottom:6px}
.legend span{display:inline-flex;align-items:center;gap:5px}
.sw{display:inline-block;width:14px;height:10px;border-radius:2px}
.sw.active{background:#2f9e44}.sw.standby{background:#91a7c0}.sw.down{background:#e03131}.sw.frozen{background:#8b5cf6}.sw.other{background:#d3d7dc}
.sw.band{background:rgba(245,159,0,.22);border:1px dashed #e67700}.sw.ok{background:#2f9e44;border-radius:50%;width:9px;height:9px}.sw.err{background:#e03131;border-radius:50%;width:9px;height:9px}
.sw.fo{background:#0b7285;height:3px}.sw.audit{background:#1f2933;width:3px;height:8px;border-radius:0}.sw.overlap{background:rgba(224,49,49,.12);border:2px solid #e03131}
svg.tl{width:100%;height:auto;display:block}
svg text{font:11px system-ui,"DejaVu Sans",sans-serif;fill:#3e4c59}
svg .lname{font-weight:700;font-size:12px;fill:#1f2933}svg .lrole{font-size:10px;fill:#7b8794}
svg .lanebg{fill:#f5f6f8}
svg .grid{stroke:#e4e7eb;stroke-width:1}
svg .audit{fill:#1f2933;opacity:.75}
svg .seg.active{fill:#2f9e44}svg .seg.standby{fill:#91a7c0}svg .seg.down{fill:#e03131}svg .seg.frozen{fill:#8b5cf6}svg .seg.other{fill:#d3d7dc}
svg .stext{font-size:10px;fill:#fff;text-anchor:middle;pointer-events:none}svg .stext.other,svg .stext.standby{fill:#1f2933}
svg .bandfill{fill:rgba(245,159,0,.16)}
svg .band{fill:url(#hatch);stroke:#e67700;stroke-dasharray:5 3;stroke-width:1.2}
svg .band.open{stroke-dasharray:2 3}
svg .hatch{stroke:#fff;stroke-width:2.2;stroke-opacity:.3}
svg .overlap{fill:rgba(224,49,49,.12);stroke:#e03131;stroke-width:2.5}
svg .blabel{font-weight:600;fill:#b35c00}
svg .op .whisker{stroke-width:1.5;opacity:.45}svg .op.ok .whisker{stroke:#2f9e44}svg .op.err .whisker{stroke:#e03131}
svg .op circle{stroke:#fff;stroke-width:1}svg .op.ok circle{fill:#2f9e44}svg .op.err circle{fill:#e03131}
svg .fo line.arrow,svg .fo line.cap{stroke:#0b7285;stroke-width:2}svg .fo polygon{fill:#0b7285}
svg .fo line.take{stroke:#0b7285;stroke-width:1.5;stroke-dasharray:3 3}svg .fo text{fill:#0b7285;font-weight:700}
svg .fo.late line.arrow,svg .fo.late line.cap,svg .fo.late line.take{stroke:#d9480f}svg .fo.late polygon{fill:#d9480f}svg .fo.late text{fill:#d9480f}
svg .fo rect.pill{fill:#fff;stroke:#0b7285}svg .fo.late rect.pill{stroke:#d9480f}
svg .fo polygon.diamond{stroke:#fff;stroke-width:1.5}
svg .axis{stroke:#7b8794}svg .tlabel{text-anchor:middle}
footer{color:#9aa5b1;font-size:11px;margin-top:10px}
</style>
</head>
<body>
<main>
<header>
<h1>{{.Scenario}}</h1><span class="badge {{.Overall}}">{{.Overall}}</span>
</header>
<p class="meta">seed <b>{{.Seed}}</b>{{if .Start}} · from <b>{{.Start}}</b> to <b>{{.End}}</b> · span <b>{{.Span}}</b>{{end}} · {{.Counts}}</p>

<section id="results">
<h2>Invariants</h2>
{{if .Results}}<table>
<tr><th>check</th><th>verdict</th><th>details</th></tr>
{{range .Results}}<tr><td class="check">{{.Check}}</td><td><span class="badge {{.Class}}">{{.Verdict}}</span></td><td>{{if .Details}}<ul>{{range .Details}}<li>{{.}}</li>{{end}}</ul>{{end}}</td></tr>
{{end}}</table>{{else}}<p class="meta">No invariant was checked.</p>{{end}}
</section>

<section id="timeline">
<h2>Timeline</h2>
{{with .TL}}<div class="legend">
{{range .StateClassesUsed}}<span><i class="sw {{.}}"></i>{{if eq . "other"}}unknown / other{{else}}{{.}}{{end}}</span>{{end}}
{{if .Bands}}<span><i class="sw band"></i>fault window</span>{{end}}
{{if .OpLanes}}<span><i class="sw ok"></i>op ok</span><span><i class="sw err"></i>op not ok (line: from invocation)</span>{{end}}
{{if .Audited}}<span><i class="sw audit"></i>NameNode audit record: it served a create or append</span>{{end}}{{if .Failovers}}<span><i class="sw fo"></i>failover: fault start → new active NameNode</span>{{end}}
{{if .Overlaps}}<span><i class="sw overlap"></i>two or more active at once</span>{{end}}
</div>
<svg class="tl" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{f .W}} {{f .H}}" width="{{f .W}}" height="{{f .H}}" role="img">
<defs><pattern id="hatch" width="7" height="7" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="7" class="hatch"/></pattern></defs>
{{range .Lanes}}<rect class="lanebg" x="{{f $.TL.X0}}" y="{{f .Y}}" width="{{f $.TL.PlotW}}" height="{{f .H}}"/>{{end}}
{{range .OpLanes}}<rect class="lanebg" x="{{f $.TL.X0}}" y="{{f .Y}}" width="{{f $.TL.PlotW}}" height="{{f .H}}"/>{{end}}
{{range .Bands}}<rect class="bandfill" x="{{f .X}}" y="{{f .Y}}" width="{{f .W}}" height="{{f .H}}"/>{{end}}
<g class="grid">{{$top := .Top}}{{$bottom := .Bottom}}{{range .Ticks}}<line x1="{{f .X}}" x2="{{f .X}}" y1="{{f $top}}" y2="{{f $bottom}}"/>{{end}}</g>
{{range .Lanes}}<g class="lane" data-daemon="{{.Daemon}}">
<text class="lname" x="8" y="{{f .Y}}" dy="12">{{.Daemon}}</text><text class="lrole" x="8" y="{{f .Y}}" dy="22">{{.Role}}</text>
{{$y := .Y}}{{$h := .H}}{{range .Segs}}<rect class="seg {{.Class}}" x="{{f .X}}" y="{{f $y}}" width="{{f .W}}" height="{{f $h}}"><title>{{.Title}}</title></rect>{{if .Text}}<text class="stext {{.Class}}" x="{{f .TextX}}" y="{{f $y}}" dy="15.5">{{.Text}}</text>{{end}}
{{end}}{{range .Audits}}<rect class="audit" x="{{f (add .X -1)}}" y="{{f .Y}}" width="2" height="{{f .H}}"><title>{{.Title}}</title></rect>
{{end}}</g>
{{end}}
{{range .OpLanes}}<g class="oplane" data-op="{{.Op}}">
<text class="lname" x="8" y="{{f .Y}}" dy="12">{{.Op}}s</text><text class="lrole" x="8" y="{{f .Y}}" dy="22">client ops</text>
{{range .Marks}}<g class="op {{.Class}}">{{if .Whisker}}<line class="whisker" x1="{{f .X0}}" x2="{{f .X}}" y1="{{f .Y}}" y2="{{f .Y}}"/>{{end}}<circle cx="{{f .X}}" cy="{{f .Y}}" r="4"/><title>{{.Title}}</title></g>
{{end}}</g>
{{end}}
{{range .Bands}}<g class="fault"><rect class="band{{if .Open}} open{{end}}" x="{{f .X}}" y="{{f .Y}}" width="{{f .W}}" height="{{f .H}}"><title>{{.Title}}</title></rect><text class="blabel" x="{{f .X}}" dx="5" y="{{f .LabelY}}">{{.Label}}</text></g>
{{end}}
{{range .Overlaps}}<rect class="overlap" x="{{f .X}}" y="{{f .Y}}" width="{{f .W}}" height="{{f .H}}"><title>{{.Title}}</title></rect>
{{end}}
{{range .Failovers}}<g class="{{.Class}}"><title>{{.Title}}</title>
<line class="take" x1="{{f .X1}}" x2="{{f .X1}}" y1="{{f .LineTop}}" y2="{{f .LineBottom}}"/>
<polygon class="diamond" points="{{.Diamond}}"/>
<line class="cap" x1="{{f .X0}}" x2="{{f .X0}}" y1="{{f (add .Y -5)}}" y2="{{f (add .Y 5)}}"/>
<line class="arrow" x1="{{f .X0}}" x2="{{f (add .X1 -3)}}" y1="{{f .Y}}" y2="{{f .Y}}"/><polygon points="{{.Arrow}}"/>
{{if .PillW}}<rect class="pill" x="{{f (add .TextX (mul .PillW -0.5))}}" y="{{f (add .Y -8)}}" width="{{f .PillW}}" height="16" rx="8"/>{{end}}<text x="{{f .TextX}}" y="{{f .Y}}" dy="4" text-anchor="{{.Anchor}}">{{.Label}}</text></g>
{{end}}
<line class="axis" x1="{{f .X0}}" x2="{{f .X1}}" y1="{{f .AxisY}}" y2="{{f .AxisY}}"/>
{{$ay := .AxisY}}{{range .Ticks}}<line class="axis" x1="{{f .X}}" x2="{{f .X}}" y1="{{f $ay}}" y2="{{f (add $ay 4)}}"/><text class="tlabel" x="{{f .X}}" y="{{f $ay}}" dy="15">{{.Label}}</text>{{end}}
<text x="8" y="{{f .AxisY}}" dy="15">seconds</text>
</svg>{{else}}<p class="meta">The history holds no events.</p>{{end}}
</section>

<section id="failovers">
<h2>Failover latency (NameNode)</h2>
{{if .Failovers}}<table>
<tr><th>fault</th><th>injected</th><th>healed</th><th>active at start</th><th>new active</th><th>latency</th><th>note</th></tr>
{{range .Failovers}}<tr class="{{.Class}}"><td class="check">{{.Fault}}</td><td>{{.Injected}}</td><td>{{.Healed}}</td><td>{{.Old}}</td><td>{{.By}}</td><td class="lat">{{.Latency}}</td><td class="note">{{.Note}}</td></tr>
{{end}}</table>{{else}}<p class="meta">No fault was injected.</p>{{end}}
</section>

<footer>haharness run report · times are relative to the history's start · hover a segment, band or op for details</footer>
</main>
</body>
</html>
`
