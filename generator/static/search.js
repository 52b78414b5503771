/* tetrad search: offline, prefix matching, case- and ё/е-insensitive. Reads window.TETRAD_SEARCH. */
(function () {
  "use strict";
  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  if (!input || !list) return;
  var root = document.body.getAttribute("data-root") || "";
  var docs = (window.TETRAD_SEARCH || []).map(function (d) {
    var norm = fold(d.t + " " + d.x);
    return { d: d, norm: norm, words: norm.match(/[\p{L}\p{N}]+/gu) || [] };
  });

  function fold(s) { return s.toLowerCase().replace(/ё/g, "е"); }

  function contextOf(doc, terms) {
    var text = doc.d.x, norm = fold(text), at = -1;
    for (var i = 0; i < terms.length && at < 0; i++) {
      var re = new RegExp("(^|[^\\p{L}\\p{N}])" + terms[i].replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "u");
      var m = re.exec(norm);
      if (m) at = m.index + m[1].length;
    }
    if (at < 0) return text.slice(0, 160);
    var start = Math.max(0, at - 60), end = Math.min(text.length, at + 100);
    return (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
  }

  function highlight(node, text, terms) {
    var norm = fold(text), pos = 0;
    var re = new RegExp("(" + terms.map(function (t) { return t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }).join("|") + ")[\\p{L}\\p{N}]*", "gu");
    var m;
    while ((m = re.exec(norm)) !== null) {
      if (m.index > pos) node.appendChild(document.createTextNode(text.slice(pos, m.index)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(m.index, m.index + m[0].length);
      node.appendChild(mark);
      pos = m.index + m[0].length;
      if (m[0].length === 0) re.lastIndex++;
    }
    if (pos < text.length) node.appendChild(document.createTextNode(text.slice(pos)));
  }

  function run() {
    var terms = fold(input.value).match(/[\p{L}\p{N}]+/gu) || [];
    list.textContent = "";
    if (!terms.length) { status.textContent = ""; return; }
    var hits = [];
    docs.forEach(function (doc) {
      var score = 0;
      for (var i = 0; i < terms.length; i++) {
        var n = 0;
        for (var j = 0; j < doc.words.length; j++) if (doc.words[j].lastIndexOf(terms[i], 0) === 0) n++;
        if (!n) return;
        score += n + (fold(doc.d.t).indexOf(terms[i]) >= 0 ? 10 : 0);
      }
      hits.push({ doc: doc, score: score });
    });
    hits.sort(function (a, b) { return b.score - a.score; });
    status.textContent = (status.getAttribute("data-found") || "Found") + ": " + hits.length;
    hits.slice(0, 50).forEach(function (hit) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = root + hit.doc.d.u;
      a.textContent = hit.doc.d.t && hit.doc.d.t !== hit.doc.d.d ? hit.doc.d.t + " · " + hit.doc.d.d : hit.doc.d.d;
      var p = document.createElement("p");
      highlight(p, contextOf(hit.doc, terms), terms);
      li.appendChild(a);
      li.appendChild(p);
      list.appendChild(li);
    });
    if (history.replaceState) history.replaceState(null, "", "#q=" + encodeURIComponent(input.value));
  }

  input.addEventListener("input", run);
  var q = /[#&]q=([^&]*)/.exec(location.hash);
  if (q) { input.value = decodeURIComponent(q[1]); run(); }
})();
