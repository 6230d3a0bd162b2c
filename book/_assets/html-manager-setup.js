// Loaded on pages with saved ipywidgets, after require.js and before the ipywidgets HTML manager
// (embed-amd.js), both vendored in _static/ (see book/vendor.py and nb_ipywidgets_js in _config.yml).
(function () {
  "use strict";
  // 1. The HTML manager loads its fonts (Font Awesome) from the folder require.js says it lives in;
  //    without this, require.js puts it beside each page (notebooks/@jupyter-widgets/...: 404).
  var here = document.currentScript.src;
  window.require.config({
    paths: { "@jupyter-widgets/html-manager/dist": new URL("html-manager", here).href },
  });
  // The manager fetches the code of widgets it does not bundle (third-party ones) from the URL in
  // a script's data-jupyter-widgets-cdn attribute, jsDelivr by default. Point it at this site:
  // such a widget then fails visibly (a 404 the tests catch) instead of calling another host.
  document.currentScript.setAttribute("data-jupyter-widgets-cdn", new URL("html-manager/third-party/", here).href);

  // 2. The widgets typeset their labels with MathJax 2's API (MathJax.Hub.Queue); the site loads
  //    MathJax 3, which replaces window.MathJax when it runs (deferred, before DOMContentLoaded;
  //    the widgets are drawn after "load"). Translate the one call they make.
  document.addEventListener("DOMContentLoaded", function () {
    var mj = window.MathJax;
    if (mj && !mj.Hub && typeof mj.typesetPromise === "function") {
      mj.Hub = {
        Queue: function (job) {
          var element = Array.isArray(job) ? job[2] : null;
          if (element) {
            mj.typesetPromise([element]).catch(function (error) { console.warn("MathJax:", error); });
          }
        },
      };
    }
  });
})();
