
(function(){
var tip=document.getElementById('tip');
document.addEventListener('mousemove',function(e){
  var g=e.target.closest&&e.target.closest('[data-tip]');
  if(!g){tip.style.display='none';return;}
  tip.textContent=g.getAttribute('data-tip');tip.style.display='block';
  var x=e.pageX+14,w=tip.offsetWidth;
  if(x+w>window.scrollX+document.documentElement.clientWidth){x=e.pageX-w-14;}
  tip.style.left=x+'px';tip.style.top=(e.pageY+14)+'px';
});
document.querySelectorAll('.timeline').forEach(function(tl){
  var svg=tl.querySelector('svg.tl'),sc=tl.querySelector('.scroll');
  var n=+svg.dataset.slots,pl=+svg.dataset.padl,pr=+svg.dataset.padr,step=+svg.dataset.step;
  function X(s){return pl+(s+0.5)*step;}
  function layout(){
    var W=pl+n*step+pr;svg.setAttribute('width',W);
    svg.querySelectorAll('.rowbg').forEach(function(r){r.setAttribute('width',W);});
    svg.querySelectorAll('rect.bar').forEach(function(r){
      var x0=X(+r.dataset.s0),x1=r.dataset.s1===undefined?W:X(+r.dataset.s1);
      r.setAttribute('x',x0);r.setAttribute('width',Math.max(4,x1-x0));});
    svg.querySelectorAll('text.lbl').forEach(function(t){
      var x0=X(+t.dataset.s0),x1=t.dataset.s1===undefined?W:X(+t.dataset.s1)-2;
      t.setAttribute('x',x0+4);
      t.style.visibility=(t.getComputedTextLength()+6<=x1-x0)?'visible':'hidden';});
    svg.querySelectorAll('[data-s]').forEach(function(el){
      var x=X(+el.dataset.s);
      if(el.tagName==='line'){el.setAttribute('x1',x);el.setAttribute('x2',x);}
      else if(el.tagName==='circle'){el.setAttribute('cx',x);}
      else{el.setAttribute('x',x);}});
    svg.querySelectorAll('rect.fault').forEach(function(r){
      var x0=X(+r.dataset.s0),x1=X(+r.dataset.s1);
      r.setAttribute('x',x0);r.setAttribute('width',Math.max(2,x1-x0));});
    var every=Math.max(1,Math.ceil(70/(step*(+svg.dataset.tickslots||10))));
    svg.querySelectorAll('.ticklbl').forEach(function(t){t.style.visibility=(+t.dataset.i%every===0)?'visible':'hidden';});
    svg.querySelectorAll('polyline').forEach(function(p){
      p.setAttribute('points',p.dataset.pts.split(' ').map(function(q){var a=q.split(',');return X(+a[0])+','+a[1];}).join(' '));});
  }
  function fit(){var avail=sc.clientWidth-pl-pr;step=Math.max(14,Math.min(48,avail/Math.max(1,n)));}
  tl.querySelector('.zin').onclick=function(){step=Math.min(120,step*1.5);layout();};
  tl.querySelector('.zout').onclick=function(){step=Math.max(2,step/1.5);layout();};
  tl.querySelector('.zfit').onclick=function(){step=Math.max(2,(sc.clientWidth-pl-pr)/Math.max(1,n));layout();};
  fit();layout();
  var cut=svg.querySelector('.cut');
  if(cut){sc.scrollLeft=Math.max(0,+cut.getAttribute('x1')-sc.clientWidth*0.6);}
});
})();
