// SPDX-License-Identifier: MIT
// flame.js - the flame graph's behaviour (core/flame.c draws the frames):
// a click zooms into a frame, "Reset zoom" or the root frame zooms out, the
// search box colours the frames whose name holds the text (any case) and
// says which share of the time they take.  The page's address may ask for
// both: #search=TEXT&zoom=NAME.  Built into libhotpath as a C string; runs
// in the standalone SVG and in the HTML report.  No network.
function hpFlame(svg) {
	"use strict";
	var W = +svg.getAttribute("data-fw"), PAD = +svg.getAttribute("data-pad");
	var ALL = +svg.getAttribute("data-total"), CH = 7.2, EPS = 1e-9;
	var details = svg.querySelector(".details"), matched = svg.querySelector(".matched");
	var reset = svg.querySelector(".reset"), input = svg.querySelector("input.search");
	var frames = Array.prototype.map.call(svg.querySelectorAll("g.f"), function (g) {
		return {g: g, n: g.getAttribute("data-n"), d: +g.getAttribute("data-d"),
			x: +g.getAttribute("data-x"), w: +g.getAttribute("data-w"),
			r: g.querySelector("rect"), t: g.querySelector("text"),
			tip: g.querySelector("title").textContent};
	});

	function fmtNs(ns) {
		if (ns < 1e3) return Math.round(ns) + "ns";
		if (ns < 1e6) return (ns / 1e3).toFixed(2) + "\u00b5s";
		if (ns < 1e9) return (ns / 1e6).toFixed(2) + "ms";
		return (ns / 1e9).toFixed(2) + "s";
	}
	// the name cut to px, as flame.c cuts it
	function fit(name, px) {
		var cs = Array.from(name), n = Math.floor((px - 6) / CH);
		if (cs.length <= n) return name;
		return n >= 3 ? cs.slice(0, n - 1).join("") + "\u2026" : "";
	}
	// draws f over the fraction [x, x + w) of the width
	function show(f, x, w, ancestor) {
		var px = w * W, left = PAD + x * W;
		if (px < 0.1) { f.g.style.display = "none"; return; }
		f.g.style.display = "";
		f.r.setAttribute("x", left.toFixed(2));
		f.r.setAttribute("width", px.toFixed(2));
		f.t.setAttribute("x", (left + 3).toFixed(2));
		f.t.textContent = fit(f.n, px);
		f.g.classList.toggle("anc", ancestor);
	}
	// z's subtree over the whole width, its ancestors full width, the rest hidden
	function zoom(z) {
		frames.forEach(function (f) {
			if (!z || z.d === 0) {
				show(f, f.x, f.w, false);
			} else if (f.d >= z.d && f.x >= z.x - EPS && f.x + f.w <= z.x + z.w + EPS) {
				show(f, (f.x - z.x) / z.w, f.w / z.w, false);
			} else if (f.d < z.d && f.x <= z.x + EPS && f.x + f.w >= z.x + z.w - EPS) {
				show(f, 0, 1, true);
			} else {
				f.g.style.display = "none";
			}
		});
		reset.setAttribute("display", z && z.d > 0 ? "inline" : "none");
		svg.setAttribute("data-zoom", z && z.d > 0 ? z.n : "");
	}
	// marks the matching frames; the share counts nested matches once
	function search(text) {
		var t = text.toLowerCase(), hits = [], share = 0, end = -1;
		frames.forEach(function (f) {
			var hit = t !== "" && f.n.toLowerCase().indexOf(t) >= 0;
			f.g.classList.toggle("hit", hit);
			if (hit) hits.push(f);
		});
		hits.sort(function (a, b) { return a.x - b.x || b.w - a.w; });
		hits.forEach(function (f) {
			if (f.x + f.w <= end + EPS) return;
			share += f.w;
			end = f.x + f.w;
		});
		svg.setAttribute("data-matched", t === "" ? "" : share.toFixed(6));
		matched.textContent = t === "" ? "" : "Matched: " + (100 * share).toFixed(2) +
			"% (" + fmtNs(share * ALL) + ")";
	}
	function arg(key) {
		var parts = location.hash.replace(/^#/, "").split("&");
		for (var i = 0; i < parts.length; i++)
			if (parts[i].indexOf(key + "=") === 0)
				return decodeURIComponent(parts[i].slice(key.length + 1));
		return null;
	}

	frames.forEach(function (f) {
		f.g.addEventListener("click", function () { zoom(f); });
		f.g.addEventListener("mouseover", function () { details.textContent = f.tip; });
		f.g.addEventListener("mouseout", function () { details.textContent = " "; });
	});
	reset.addEventListener("click", function () { zoom(null); });
	if (input) input.addEventListener("input", function () { search(input.value); });
	var s = arg("search"), z = arg("zoom");
	if (s !== null) {
		if (input) input.value = s;
		search(s);
	}
	if (z !== null)
		zoom(frames.filter(function (f) { return f.n === z; })[0] || null);
	svg.setAttribute("data-ready", "1");
}
