//! The derivation corpora of `tests/data/*.jsonl`, one case a line: its
//! id, mode, program, inputs, best-known formulas by left-hand side, and
//! the flops it allows above them. Shared by the suites that read them.

// Each suite reads the fields it needs.
#![allow(dead_code)]

use serde_json::Value;

pub struct Case {
    pub id: String,
    /// The mode as the data writes it (`grad`, `hessian`, …); empty in a
    /// file of one mode, such as `jacobian.jsonl`.
    pub mode: String,
    pub program: String,
    pub wrt: Vec<String>,
    /// The best-known formula for each line, by its left-hand side.
    pub expected: Vec<(String, String)>,
    /// Flops a case allows above its formula (0 unless the data says).
    pub cost_slack: f64,
    /// The line as read, for what a suite checks beyond these fields.
    pub raw: Value,
}

impl Case {
    /// The inputs as `--wrt` takes them.
    pub fn wrt_list(&self) -> String {
        self.wrt.join(",")
    }
}

/// The cases of `tests/data/{file}`, in order.
pub fn load(file: &str) -> Vec<Case> {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            Case {
                id: v["id"].as_str().unwrap().to_string(),
                mode: v["mode"].as_str().unwrap_or_default().to_string(),
                program: v["program"].as_str().unwrap().to_string(),
                wrt: v["wrt"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|w| w.as_str().unwrap().to_string())
                    .collect(),
                expected: v["expected"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, e)| (k.clone(), e.as_str().unwrap().to_string()))
                    .collect(),
                cost_slack: v["cost_slack"].as_f64().unwrap_or(0.0),
                raw: v,
            }
        })
        .collect()
}

/// The cases of every `tests/data/{prefix}*.jsonl`, file by file in name
/// order: a corpus may grow by a file without its suite changing.
pub fn load_matching(prefix: &str) -> Vec<Case> {
    let dir = format!("{}/tests/data", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(prefix) && name.ends_with(".jsonl"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no tests/data/{prefix}*.jsonl");
    files.iter().flat_map(|file| load(file)).collect()
}
