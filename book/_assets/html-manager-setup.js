// Loaded on pages with saved ipywidgets, after require.js and before the ipywidgets HTML manager
// (embed-amd.js), both vendored in _static/ (see book/vendor.py and nb_ipywidgets_js in _config.yml).
(function () {
  "use strict";
  // 1. The HTML manager's bundles load their fonts (Font Awesome, for icons on buttons) from the
  //    folder require.js says each named module lives in; without this, require.js puts them
  //    beside each page (notebooks/@jupyter-widgets/...: 404). The modules are defined inside
  //    embed-amd.js, so these paths only tell where they "are": html-manager/, beside the fonts.
  var here = document.currentScript.src;
  var folder = new URL("html-manager", here).href;
  var paths = { "@jupyter-widgets/html-manager/dist": folder };
  ["base", "base7", "controls", "controls7", "html-manager"].forEach(function (name) {
    paths["@jupyter-widgets/" + name] = folder + "/" + name;
  });
  window.require.config({ paths: paths });
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
