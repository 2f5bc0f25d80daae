// SPDX-License-Identifier: MIT
// html.js - the HTML report's behaviour (core/html.c writes the page): a
// click on a column's title sorts the table by it (numbers largest first,
// text A to Z; a second click reverses; empty cells stay last), Enter on a
// focused title too.  The address can sort a table when the page opens:
// #sort=SECTION.COLUMN (e.g. #sort=functions.self).  Then every flame
// graph starts (core/flame.js), and the timeline is drawn (hpTimeline;
// the address may ask for a window: #timeline=FROM-TO in ns).  Built into
// libhotpath as a C string.
function hpSortTable(table, i) {
	"use strict";
	var heads = table.tHead.rows[0].cells, th = heads[i];
	var num = th.getAttribute("data-num") === "1";
	var again = table.getAttribute("data-sort-col") === String(i);
	var dir = again ? -(+table.getAttribute("data-sort-dir")) : (num ? -1 : 1);
	var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
	function empty(td) { return !td || td.classList.contains("none"); }
	rows.sort(function (a, b) {
		var x = a.cells[i], y = b.cells[i], ex = empty(x), ey = empty(y);
		if (ex || ey) return ex - ey;
		if (num) return dir * (+x.getAttribute("data-v") - +y.getAttribute("data-v"));
		return dir * x.textContent.localeCompare(y.textContent);
	});
	rows.forEach(function (r) { body.appendChild(r); });
	Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
	th.setAttribute("aria-sort", dir < 0 ? "descending" : "ascending");
	table.setAttribute("data-sort-col", String(i));
	table.setAttribute("data-sort-dir", String(dir));
}

// The trace's timeline (core/html.c writes the data): one track per
// thread, its spans nested by start and end, coloured by name (lock waits
// red, holds amber, polls blue).  The wheel, + and - zoom about the cursor
// or the middle, a drag pans, a double click or "All" shows everything, a
// hover names the span.  The canvas says what it drew: data-spans,
// data-drawn (spans at least partly in view), data-view ("from-to", ns).
function hpTimeline(box) {
	"use strict";
	var data = JSON.parse(box.parentNode.querySelector("script.tl-data").textContent);
	var cv = box.querySelector("canvas"), tip = box.querySelector(".tl-tip");
	var range = box.querySelector(".tl-range"), list = box.querySelector(".tl-threads");
	var ev = data.ev, n = ev.length / 5, LANE = 16, HEAD = 18, AXIS = 20, GAP = 6;
	var tracks = data.threads.map(function (t) { return {tid: t[0], name: t[1], depth: 0, spans: 0, top: 0}; });
	var depth = new Array(n), t0 = Infinity, t1 = -Infinity, i;

	function fmtNs(ns) {
		var a = Math.abs(ns);
		if (a < 1e3) return Math.round(ns) + "ns";
		if (a < 1e6) return (ns / 1e3).toFixed(2) + "\u00b5s";
		if (a < 1e9) return (ns / 1e6).toFixed(2) + "ms";
		return (ns / 1e9).toFixed(2) + "s";
	}
	// nesting: per thread, in start order, the depth under the open spans
	var open = [], cur = -1;
	for (i = 0; i < n; i++) {
		var th = ev[5 * i], st = ev[5 * i + 3], end = st + ev[5 * i + 4];
		if (th !== cur) { open = []; cur = th; }
		while (open.length && open[open.length - 1] <= st) open.pop();
		depth[i] = open.length;
		open.push(end);
		tracks[th].depth = Math.max(tracks[th].depth, depth[i] + 1);
		tracks[th].spans++;
		if (st < t0) t0 = st;
		if (end > t1) t1 = end;
	}
	if (n === 0) { t0 = 0; t1 = 1; }
	if (t1 <= t0) t1 = t0 + 1;
	var y = AXIS;
	tracks.forEach(function (t) {
		t.top = y;
		y += HEAD + t.depth * LANE + GAP;
		var li = document.createElement("li");
		li.textContent = t.name + " (thread " + t.tid + "): " + t.spans + " spans";
		list.appendChild(li);
	});
	var H = Math.max(y, AXIS + HEAD), v0 = t0, v1 = t1, W = 0;

	function colour(ni, ki) {
		var k = data.kinds[ki];
		if (k === "lock wait" || k === "read lock wait") return "#d9534f";
		if (k === "lock hold" || k === "read lock hold") return "#f0ad4e";
		if (k === "poll") return "#5b9bd5";
		var s = data.names[ni], h = 0;
		for (var j = 0; j < s.length; j++) h = (h * 31 + s.charCodeAt(j)) >>> 0;
		return "hsl(" + (10 + h % 45) + "," + (60 + h % 25) + "%," + (55 + (h >> 8) % 12) + "%)";
	}
	function draw() {
		var dpr = window.devicePixelRatio || 1, ctx = cv.getContext("2d");
		W = Math.max(cv.parentNode.clientWidth, 320);
		cv.width = Math.round(W * dpr);
		cv.height = Math.round(H * dpr);
		cv.style.height = H + "px";
		ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
		ctx.clearRect(0, 0, W, H);
		ctx.font = "11px system-ui, sans-serif";
		ctx.textBaseline = "middle";
		var k = W / (v1 - v0), drawn = 0;
		// the axis: about eight ticks at round values
		var step = Math.pow(10, Math.floor(Math.log10((v1 - v0) / 8)));
		if ((v1 - v0) / step > 40) step *= 5; else if ((v1 - v0) / step > 16) step *= 2;
		ctx.fillStyle = "#666";
		for (var t = t0 + Math.ceil((v0 - t0) / step) * step; t <= v1; t += step) {
			var x = (t - v0) * k;
			ctx.fillRect(x, AXIS - 5, 1, 5);
			ctx.fillText(fmtNs(t - t0), x + 2, 8);
		}
		tracks.forEach(function (t) {
			ctx.fillStyle = "#f2f2f2";
			ctx.fillRect(0, t.top, W, HEAD - 2);
			ctx.fillStyle = "#222";
			ctx.fillText(t.name + " (" + t.tid + ")", 4, t.top + HEAD / 2);
		});
		for (i = 0; i < n; i++) {
			var st = ev[5 * i + 3], d = ev[5 * i + 4];
			if (st + d < v0 || st > v1) continue;
			var x0 = Math.max((st - v0) * k, -1), x1 = Math.min((st + d - v0) * k, W + 1);
			var top = tracks[ev[5 * i]].top + HEAD + depth[i] * LANE;
			ctx.fillStyle = colour(ev[5 * i + 1], ev[5 * i + 2]);
			ctx.fillRect(x0, top, Math.max(x1 - x0, 1), LANE - 1);
			drawn++;
			if (x1 - x0 > 40) {
				var name = data.names[ev[5 * i + 1]], fit = Math.floor((x1 - x0 - 6) / 6.5);
				if (name.length > fit) name = fit > 2 ? name.slice(0, fit - 1) + "\u2026" : "";
				ctx.fillStyle = "#111";
				ctx.fillText(name, Math.max(x0, 0) + 3, top + LANE / 2);
			}
		}
		range.textContent = fmtNs(v0 - t0) + " \u2013 " + fmtNs(v1 - t0) + " (" + fmtNs(v1 - v0) + ")";
		cv.setAttribute("data-spans", String(n));
		cv.setAttribute("data-drawn", String(drawn));
		cv.setAttribute("data-view", Math.round(v0 - t0) + "-" + Math.round(v1 - t0));
	}
	function zoom(f, at) {
		var c = v0 + (v1 - v0) * at, w = Math.max((v1 - v0) * f, 100);
		v0 = Math.max(t0, c - w * at);
		v1 = Math.min(t1, v0 + w);
		draw();
	}
	// the span under the pointer, or -1
	function hit(px, py) {
		var time = v0 + px / W * (v1 - v0), slop = 2 * (v1 - v0) / W;
		for (i = n - 1; i >= 0; i--) {
			var top = tracks[ev[5 * i]].top + HEAD + depth[i] * LANE;
			if (py < top || py >= top + LANE) continue;
			var st = ev[5 * i + 3], d = ev[5 * i + 4];
			if (time >= st - slop && time <= st + d + slop) return i;
		}
		return -1;
	}
	cv.addEventListener("wheel", function (e) {
		e.preventDefault();
		zoom(e.deltaY < 0 ? 0.8 : 1.25, e.offsetX / W);
	}, {passive: false});
	var drag = null;
	cv.addEventListener("mousedown", function (e) { drag = {x: e.clientX, v0: v0, v1: v1}; });
	window.addEventListener("mouseup", function () { drag = null; });
	cv.addEventListener("mousemove", function (e) {
		if (drag) {
			var dt = (e.clientX - drag.x) / W * (drag.v1 - drag.v0);
			dt = Math.min(Math.max(dt, drag.v1 - t1), drag.v0 - t0);
			v0 = drag.v0 - dt;
			v1 = drag.v1 - dt;
			draw();
			return;
		}
		var j = hit(e.offsetX, e.offsetY);
		if (j < 0) { tip.hidden = true; return; }
		tip.textContent = data.names[ev[5 * j + 1]] + " \u2014 " + data.kinds[ev[5 * j + 2]] +
			", " + fmtNs(ev[5 * j + 4]) + " at " + fmtNs(ev[5 * j + 3] - t0) + ", " +
			tracks[ev[5 * j]].name;
		tip.style.left = (cv.offsetLeft + e.offsetX + 12) + "px";
		tip.style.top = (cv.offsetTop + e.offsetY + 12) + "px";
		tip.hidden = false;
	});
	cv.addEventListener("mouseleave", function () { tip.hidden = true; });
	cv.addEventListener("dblclick", function () { v0 = t0; v1 = t1; draw(); });
	box.querySelector(".tl-in").addEventListener("click", function () { zoom(0.5, 0.5); });
	box.querySelector(".tl-out").addEventListener("click", function () { zoom(2, 0.5); });
	box.querySelector(".tl-all").addEventListener("click", function () { v0 = t0; v1 = t1; draw(); });
	window.addEventListener("resize", draw);
	location.hash.replace(/^#/, "").split("&").forEach(function (p) {
		var m = /^timeline=(\d+)-(\d+)$/.exec(p);
		if (m && +m[2] > +m[1]) {
			v0 = Math.max(t0, t0 + +m[1]);
			v1 = Math.min(t1, t0 + +m[2]);
		}
	});
	if (!(v1 > v0)) { v0 = t0; v1 = t1; }
	draw();
}

function hpReport(doc) {
	"use strict";
	Array.prototype.forEach.call(doc.querySelectorAll("table.sortable"), function (t) {
		Array.prototype.forEach.call(t.tHead.rows[0].cells, function (th, i) {
			th.tabIndex = 0;
			th.addEventListener("click", function () { hpSortTable(t, i); });
			th.addEventListener("keydown", function (e) {
				if (e.key === "Enter") hpSortTable(t, i);
			});
		});
	});
	location.hash.replace(/^#/, "").split("&").forEach(function (p) {
		if (p.indexOf("sort=") !== 0) return;
		var want = decodeURIComponent(p.slice(5)), dot = want.lastIndexOf(".");
		var id = want.slice(0, dot), key = want.slice(dot + 1);
		Array.prototype.forEach.call(doc.querySelectorAll("table.sortable"), function (t) {
			if (t.getAttribute("data-id") !== id) return;
			Array.prototype.forEach.call(t.tHead.rows[0].cells, function (th) {
				if (th.getAttribute("data-k") === key) th.click();
			});
		});
	});
	Array.prototype.forEach.call(doc.querySelectorAll("svg.hp-flame"), hpFlame);
	Array.prototype.forEach.call(doc.querySelectorAll("div.tl"), hpTimeline);
	doc.body.setAttribute("data-ready", "1");
}
