//! The whole run on one timeline, as report.html draws it: a lane per
//! worker (a process that crashed continues under a new id in the same
//! lane) and a lane for the faults, every operation a bar from its call to
//! its completion coloured by outcome. Drawn on a canvas from compact inline
//! arrays, so that 200,000 operations stay responsive: each lane's bars are
//! sorted, so a redraw only visits what is in view (binary search), and bars
//! of one colour are drawn in one pass.

use super::fault_windows::FaultWindow;
use faultline_checkers::{Event, EventType, FailReason, ProcessId};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// Time unit of the inline arrays: a tenth of a millisecond.
const UNITS_PER_MS: f64 = 10.0;

/// Outcome codes, in the order of [`OUTCOME_NAMES`].
const OK: u8 = 0;
const FAIL_EXPECTED: u8 = 1;
const FAIL_UNAVAILABLE: u8 = 2;
const INFO: u8 = 3;
const OUTCOME_NAMES: [&str; 4] = [
    "ok",
    "fail (an expected answer)",
    "fail (not served)",
    "info (unknown)",
];

/// One operation as drawn.
struct Bar {
    lane: usize,
    start: u64,
    end: u64,
    outcome: u8,
    f: usize,
    node: usize,
    invoke_index: u64,
    complete_index: Option<u64>,
}

/// The timeline section of report.html; `workers` (the run's concurrency,
/// when known) folds a crashed process's successors into its lane.
pub fn section(events: &[Event], windows: &[FaultWindow], workers: Option<usize>) -> String {
    let mut fs: Vec<String> = Vec::new();
    let mut nodes: Vec<String> = vec![String::new()];
    let index_of = |list: &mut Vec<String>, s: &str| -> usize {
        match list.iter().position(|x| x == s) {
            Some(i) => i,
            None => {
                list.push(s.to_string());
                list.len() - 1
            }
        }
    };
    let end_time = events.iter().map(|e| e.time).max().unwrap_or(0);
    let units = |ns: u64| (ns as f64 / 1e6 * UNITS_PER_MS).round() as u64;
    let mut pending: HashMap<u64, &Event> = HashMap::new();
    let mut bars: Vec<Bar> = Vec::new();
    let lane_of = |p: u64| {
        workers
            .filter(|w| *w > 0)
            .map_or(p as usize, |w| (p as usize) % w)
    };
    for e in events {
        let ProcessId::Client(p) = e.process else {
            continue;
        };
        if e.kind == EventType::Invoke {
            pending.insert(p, e);
            continue;
        }
        let Some(inv) = pending.remove(&p) else {
            continue;
        };
        let outcome = match e.kind {
            EventType::Ok => OK,
            EventType::Fail if e.fail_reason().is_some_and(FailReason::is_expected) => {
                FAIL_EXPECTED
            }
            EventType::Fail => FAIL_UNAVAILABLE,
            _ => INFO,
        };
        let node = e.node.as_deref().map_or(0, |n| index_of(&mut nodes, n));
        let f = index_of(&mut fs, e.f.as_str());
        bars.push(Bar {
            lane: lane_of(p),
            start: units(inv.time),
            end: units(e.time),
            outcome,
            f,
            node,
            invoke_index: inv.index,
            complete_index: Some(e.index),
        });
    }
    // Calls never completed stay open to the end of the history.
    for (p, inv) in pending {
        let f = index_of(&mut fs, inv.f.as_str());
        bars.push(Bar {
            lane: lane_of(p),
            start: units(inv.time),
            end: units(end_time),
            outcome: INFO,
            f,
            node: 0,
            invoke_index: inv.index,
            complete_index: None,
        });
    }
    // Lanes in worker order, renumbered densely.
    let lanes: BTreeMap<usize, usize> = bars
        .iter()
        .map(|b| b.lane)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .enumerate()
        .map(|(i, l)| (l, i))
        .collect();
    bars.sort_by_key(|b| (b.start, b.invoke_index));

    let mut data = String::with_capacity(bars.len() * 32 + 1024);
    let _ = write!(
        data,
        "{{\"lanes\":{},\"end\":{},",
        lanes.len(),
        units(end_time)
    );
    let list = |data: &mut String, name: &str, it: &mut dyn Iterator<Item = String>| {
        let _ = write!(data, "\"{name}\":[");
        let mut first = true;
        for v in it {
            if !first {
                data.push(',');
            }
            first = false;
            data.push_str(&v);
        }
        data.push_str("],");
    };
    list(
        &mut data,
        "s",
        &mut bars.iter().map(|b| b.start.to_string()),
    );
    list(
        &mut data,
        "d",
        &mut bars
            .iter()
            .map(|b| (b.end.saturating_sub(b.start)).to_string()),
    );
    list(
        &mut data,
        "l",
        &mut bars.iter().map(|b| lanes[&b.lane].to_string()),
    );
    list(
        &mut data,
        "o",
        &mut bars.iter().map(|b| b.outcome.to_string()),
    );
    list(&mut data, "f", &mut bars.iter().map(|b| b.f.to_string()));
    list(&mut data, "n", &mut bars.iter().map(|b| b.node.to_string()));
    list(
        &mut data,
        "i",
        &mut bars.iter().map(|b| b.invoke_index.to_string()),
    );
    list(
        &mut data,
        "c",
        &mut bars
            .iter()
            .map(|b| b.complete_index.map_or("-1".to_string(), |c| c.to_string())),
    );
    let json_str = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"?\"".into());
    list(&mut data, "fs", &mut fs.iter().map(|s| json_str(s)));
    list(&mut data, "nodes", &mut nodes.iter().map(|s| json_str(s)));
    list(
        &mut data,
        "outcomes",
        &mut OUTCOME_NAMES.iter().map(|s| json_str(s)),
    );
    list(
        &mut data,
        "faults",
        &mut windows.iter().map(|w| {
            format!(
                "[{},{},{},{}]",
                (w.start_s * 1000.0 * UNITS_PER_MS).round() as u64,
                (w.end_s * 1000.0 * UNITS_PER_MS).round() as u64,
                json_str(w.kind.label()),
                json_str(&w.detail)
            )
        }),
    );
    let lane_names: Vec<String> = lanes
        .keys()
        .map(|l| match workers {
            Some(_) => format!("w{l}"),
            None => format!("p{l}"),
        })
        .collect();
    list(
        &mut data,
        "names",
        &mut lane_names.iter().map(|s| json_str(s)),
    );
    data.pop();
    data.push('}');
    // `</` cannot end the script early: JSON strings escape it.
    let data = data.replace("</", "<\\/");

    let mut out = String::with_capacity(data.len() + 8 * 1024);
    let _ = writeln!(
        out,
        "<section id=\"timeline\"><h2>The whole run</h2>\
         <p class=\"note\">Every operation, one lane per worker ({} operations), the faults on top. \
         Scroll to zoom, drag to pan; hover a bar for the operation, its node, latency and events.</p>\
         <div class=\"tl-controls\"><button data-z=\"out\">−</button><button data-z=\"in\">+</button>\
         <button data-z=\"fit\">whole run</button><span class=\"tl-legend\">\
         <i style=\"background:#2e8540\"></i>ok <i style=\"background:#e3a008\"></i>fail (expected answer) \
         <i style=\"background:#c0392b\"></i>fail (not served) <i style=\"background:#9aa5b1\"></i>info (unknown) \
         <i style=\"background:rgba(245,197,66,.45)\"></i>fault</span></div>\
         <div class=\"tl-wrap\"><canvas id=\"run-timeline\"></canvas><div id=\"tl-tip\"></div></div>\
         <script id=\"tl-data\" type=\"application/json\">{data}</script><script>{JS}</script></section>",
        bars.len()
    );
    out
}

/// CSS of the section (added to the page's).
pub const CSS: &str = "#timeline .tl-wrap{position:relative;border:1px solid #ccd;border-radius:6px;overflow:hidden}\
#run-timeline{display:block;width:100%;cursor:grab}\
#tl-tip{position:absolute;display:none;pointer-events:none;background:#fff;border:1px solid #889;border-radius:4px;padding:4px 8px;font:12px monospace;white-space:pre;box-shadow:0 2px 6px rgba(0,0,0,.15);z-index:2}\
.tl-controls{margin:6px 0}.tl-controls button{margin-right:4px}\
.tl-legend i{display:inline-block;width:12px;height:10px;margin:0 4px 0 10px;border-radius:2px;vertical-align:middle}";

const JS: &str = r#"
(function(){
var D=JSON.parse(document.getElementById('tl-data').textContent);
var cv=document.getElementById('run-timeline'),tip=document.getElementById('tl-tip');
var ctx=cv.getContext('2d');
var N=D.s.length,LH=14,TOP=34,FL=20,COLORS=['#2e8540','#e3a008','#c0392b','#9aa5b1'];
var LABEL=44;
// Per lane, its bars' indices in start order (a lane's calls never overlap).
var lanes=[];for(var k=0;k<D.lanes;k++)lanes.push([]);
for(var i=0;i<N;i++)lanes[D.l[i]].push(i);
var v0=0,v1=Math.max(1,D.end),W=0;
function height(){return TOP+FL+D.lanes*LH+6;}
function resize(){var r=window.devicePixelRatio||1;W=cv.clientWidth||1000;cv.width=W*r;cv.height=height()*r;cv.style.height=height()+'px';ctx.setTransform(r,0,0,r,0,0);}
function X(t){return LABEL+(t-v0)*(W-LABEL)/(v1-v0);}
function T(x){return v0+(x-LABEL)*(v1-v0)/(W-LABEL);}
// First bar of a lane that ends at or after t.
function first(list,t){var lo=0,hi=list.length;while(lo<hi){var m=(lo+hi)>>1,j=list[m];if(D.s[j]+D.d[j]<t)lo=m+1;else hi=m;}return lo;}
function fmt(u){var ms=u/10;return ms>=1000?(ms/1000).toFixed(2)+' s':ms.toFixed(1)+' ms';}
function draw(){
  var t0=performance.now();
  ctx.clearRect(0,0,W,height());
  ctx.font='11px sans-serif';ctx.fillStyle='#555';ctx.textBaseline='middle';
  // Axis: about eight round ticks.
  var span=v1-v0,step=Math.pow(10,Math.floor(Math.log10(span/8)));
  [1,2,5,10].some(function(m){if(span/(step*m)<=10){step*=m;return true;}return false;});
  ctx.strokeStyle='#e3e6ea';
  for(var t=Math.ceil(v0/step)*step;t<=v1;t+=step){var x=X(t);ctx.beginPath();ctx.moveTo(x,TOP-6);ctx.lineTo(x,height());ctx.stroke();ctx.fillText(fmt(t),x+2,12);}
  // Faults lane.
  ctx.fillStyle='#555';ctx.fillText('faults',2,TOP+FL/2);
  D.faults.forEach(function(f){if(f[1]<v0||f[0]>v1)return;var x0=Math.max(LABEL,X(f[0])),x1=Math.min(W,X(f[1]));
    ctx.fillStyle='rgba(245,197,66,.25)';ctx.fillRect(x0,TOP,x1-x0,height()-TOP);
    ctx.fillStyle='rgba(217,164,0,.9)';ctx.fillRect(x0,TOP+2,Math.max(2,x1-x0),FL-4);
    ctx.fillStyle='#3b2f00';if(x1-x0>40)ctx.fillText(f[2],x0+3,TOP+FL/2);});
  var drawn=0;
  for(var k=0;k<D.lanes;k++){var y=TOP+FL+k*LH;ctx.fillStyle='#555';ctx.fillText(D.names[k],2,y+LH/2);}
  // One pass per outcome: one fillStyle change each.
  for(var o=0;o<4;o++){ctx.fillStyle=COLORS[o];
    for(var k=0;k<D.lanes;k++){var list=lanes[k],y=TOP+FL+k*LH+2,px=-1;
      for(var p=first(list,v0);p<list.length;p++){var j=list[p];if(D.s[j]>v1)break;if(D.o[j]!==o)continue;
        var x0=Math.max(LABEL,X(D.s[j])),x1=X(D.s[j]+D.d[j]);drawn++;
        // Zoomed out, many bars share a pixel: one rectangle covers them.
        if(x1-x0<1&&Math.floor(x0)===px)continue;px=Math.floor(x0);
        ctx.fillRect(x0,y,Math.max(1,x1-x0),LH-4);}}}
  cv.dataset.frameMs=(performance.now()-t0).toFixed(1);
  cv.dataset.bars=drawn;cv.dataset.lanes=D.lanes;
  if(!cv.dataset.loadMs)cv.dataset.loadMs=performance.now().toFixed(0);
}
function zoom(f,at){var t=T(at),nv0=t-(t-v0)*f,nv1=t+(v1-t)*f;if(nv1-nv0<5)return;v0=Math.max(0,nv0);v1=Math.min(Math.max(1,D.end),nv1);draw();}
cv.addEventListener('wheel',function(e){e.preventDefault();zoom(e.deltaY>0?1.25:0.8,e.offsetX);},{passive:false});
var drag=null;
cv.addEventListener('mousedown',function(e){drag={x:e.offsetX,v0:v0,v1:v1};});
window.addEventListener('mouseup',function(){drag=null;});
cv.addEventListener('mousemove',function(e){
  if(drag){var dt=(drag.x-e.offsetX)*(drag.v1-drag.v0)/(W-LABEL);v0=Math.max(0,drag.v0+dt);v1=v0+(drag.v1-drag.v0);draw();return;}
  var k=Math.floor((e.offsetY-TOP-FL)/LH),t=T(e.offsetX),text='';
  if(k>=0&&k<D.lanes){var list=lanes[k],p=first(list,t);if(p<list.length){var j=list[p];if(D.s[j]<=t){
    text=D.names[k]+'  '+D.fs[D.f[j]]+'  '+D.outcomes[D.o[j]]+'\nnode '+(D.nodes[D.n[j]]||'?')+'  latency '+fmt(D.d[j])+'\nat '+fmt(D.s[j])+'  events '+D.i[j]+(D.c[j]>=0?'–'+D.c[j]:' (never completed)');}}}
  else if(e.offsetY>=TOP&&e.offsetY<TOP+FL){D.faults.forEach(function(f){if(f[0]<=t&&t<=f[1])text=f[2]+' '+f[3]+'\n'+fmt(f[0])+' – '+fmt(f[1]);});}
  if(!text){tip.style.display='none';return;}
  tip.textContent=text;tip.style.display='block';tip.style.left=Math.min(e.offsetX+12,W-260)+'px';tip.style.top=(e.offsetY+12)+'px';});
cv.addEventListener('mouseleave',function(){tip.style.display='none';});
document.querySelectorAll('.tl-controls button').forEach(function(b){b.onclick=function(){var z=b.dataset.z;
  if(z==='fit'){v0=0;v1=Math.max(1,D.end);draw();}else zoom(z==='in'?0.5:2,(W+LABEL)/2);};});
window.addEventListener('resize',function(){resize();draw();});
resize();draw();
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_checkers::OpFn;
    use serde_json::json;

    fn ev(index: u64, ms: u64, p: u64, kind: EventType, f: OpFn) -> Event {
        Event {
            index,
            time: ms * 1_000_000,
            process: ProcessId::Client(p),
            kind,
            f,
            key: Some("k0".into()),
            value: json!(1),
            node: Some("n2".into()),
            error: (kind == EventType::Fail).then(|| "cas-mismatch".to_string()),
            detail: None,
        }
    }

    #[test]
    fn bars_carry_lane_outcome_node_and_events_and_the_data_cannot_end_the_script() {
        let events = vec![
            ev(0, 1, 0, EventType::Invoke, OpFn::Write),
            ev(1, 2, 7, EventType::Invoke, OpFn::Cas),
            ev(2, 3, 0, EventType::Ok, OpFn::Write),
            ev(3, 5, 7, EventType::Fail, OpFn::Cas),
            ev(4, 6, 1, EventType::Invoke, OpFn::Other("</script>".into())),
        ];
        let html = section(&events, &[], Some(6));
        let data = html
            .split("<script id=\"tl-data\" type=\"application/json\">")
            .nth(1)
            .and_then(|s| s.split("</script>").next())
            .expect("inline data");
        let d: serde_json::Value = serde_json::from_str(data).expect("valid JSON");
        // p7 is worker 1's successor: lane of worker 1, with p1.
        assert_eq!(d["lanes"], 2);
        assert_eq!(d["l"], json!([0, 1, 1]));
        assert_eq!(d["o"], json!([OK, FAIL_EXPECTED, INFO]));
        assert_eq!(d["s"], json!([10, 20, 60]));
        assert_eq!(d["d"], json!([20, 30, 0]));
        assert_eq!(d["c"], json!([2, 3, -1]));
        assert_eq!(d["nodes"][d["n"][0].as_u64().unwrap() as usize], "n2");
        assert!(html.contains("3 operations"));
    }
}
