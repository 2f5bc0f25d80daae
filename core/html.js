// SPDX-License-Identifier: MIT
// html.js - the HTML report's behaviour (core/html.c writes the page): a
// click on a column's title sorts the table by it (numbers largest first,
// text A to Z; a second click reverses; empty cells stay last), Enter on a
// focused title too.  The address can sort a table when the page opens:
// #sort=SECTION.COLUMN (e.g. #sort=functions.self).  Then every flame
// graph starts (core/flame.js).  Built into libhotpath as a C string.
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
	doc.body.setAttribute("data-ready", "1");
}
