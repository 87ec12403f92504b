
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
