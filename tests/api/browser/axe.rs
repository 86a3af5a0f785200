//! axe-core in the page: injected from the file `AXE_CORE_JS` names (`.ci/run` installs
//! axe-core from the npm registry into a temporary folder; nothing is committed), run on the
//! whole document, its violations returned.

use serde_json::{Value, json};

use super::driver::Browser;

/// The axe-core script, or `None` when `AXE_CORE_JS` is not set (skipped with a printed
/// reason on a developer's machine; a failure under CI).
pub fn source() -> Option<String> {
    let Some(path) = std::env::var("AXE_CORE_JS").ok().filter(|p| !p.is_empty()) else {
        crate::helpers::skip_or_fail("AXE_CORE_JS not set: accessibility check");
        return None;
    };
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("AXE_CORE_JS={path}: {e}")))
}

#[derive(Debug, Clone)]
pub struct Violation {
    pub rule: String,
    pub impact: String,
    pub help: String,
    pub targets: Vec<String>,
}

impl Violation {
    /// Serious and critical violations fail the suite; moderate and minor ones are listed.
    pub fn blocks(&self) -> bool {
        matches!(self.impact.as_str(), "serious" | "critical")
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}: {} at {}", self.impact, self.rule, self.help, self.targets.join(", "))
    }
}

/// Runs axe on the current page (WCAG 2.0, 2.1 and 2.2 A/AA rules and best practices).
pub async fn check(browser: &Browser, axe: &str) -> Vec<Violation> {
    let loaded = browser.js(&format!("if (!window.axe) {{ {axe}\n }} return typeof window.axe;")).await;
    assert_eq!(loaded, json!("object"), "axe-core did not load");
    let script = "const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}, resultTypes: ['violations']})
          .then(r => done(r.violations.map(v => ({rule: v.id, impact: v.impact || 'minor', help: v.help,
              targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))))
          .catch(e => done({error: String(e)}));";
    let result = browser.js_async(script).await;
    let Value::Array(list) = result else { panic!("axe failed: {result}") };
    list.iter()
        .map(|v| Violation {
            rule: v["rule"].as_str().unwrap_or_default().to_owned(),
            impact: v["impact"].as_str().unwrap_or_default().to_owned(),
            help: v["help"].as_str().unwrap_or_default().to_owned(),
            targets: v["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
        })
        .collect()
}
