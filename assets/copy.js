// Copies GOV.UK Frontend's JS, fonts and images next to the compiled CSS,
// so the app serves every asset itself (no CDN).
const fs = require("fs");
const path = require("path");
const dist = path.join(__dirname, "..", "node_modules", "govuk-frontend", "dist", "govuk");
const out = path.join(__dirname, "..", "training_app", "static");
fs.mkdirSync(out, { recursive: true });
fs.copyFileSync(path.join(dist, "govuk-frontend.min.js"), path.join(out, "govuk-frontend.min.js"));
fs.copyFileSync(path.join(__dirname, "init.js"), path.join(out, "init.js"));
fs.cpSync(path.join(dist, "assets"), out, { recursive: true });
const axe = path.join(__dirname, "..", "node_modules", "axe-core", "axe.min.js");
fs.mkdirSync(path.join(__dirname, "..", "tests", "browser", "vendor"), { recursive: true });
fs.copyFileSync(axe, path.join(__dirname, "..", "tests", "browser", "vendor", "axe.min.js"));
