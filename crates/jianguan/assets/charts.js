// Charts for pages that carry their data in a data-chart attribute:
// {"categories": [...], "series": [{"name": "...", "data": [...]}], "unit": "户"}
// Bars are horizontal so that long Chinese item names stay readable.
(function () {
  function draw(el) {
    if (!window.echarts) return;
    var spec;
    try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    var colors = ["#9aa9bd", "#1f5fa8", "#d4522a"];
    chart.setOption({
      animation: false,
      color: colors,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", name: spec.unit || "" },
      yAxis: {
        type: "category", inverse: true, data: spec.categories,
        axisLabel: { width: 160, overflow: "truncate" }
      },
      series: spec.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.data, label: { show: true, position: "right" } };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function all() { document.querySelectorAll("[data-chart]").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all); else all();
})();
