//! Bar charts drawn on the server as SVG (no script, nothing inline the CSP forbids), each
//! with a table of the same numbers beside it for screen readers and for reading exact values.

/// One bar: its label, value and geometry in the chart's own units.
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

pub struct Chart {
    /// The id its heading and table refer to.
    pub id: &'static str,
    pub title: String,
    /// What a value counts (件, 回…).
    pub unit: &'static str,
    pub bars: Vec<Bar>,
    pub width: u32,
    pub height: u32,
    pub max: i64,
    /// Columns (one per day) or rows (one per category).
    pub vertical: bool,
}

const PLOT: u32 = 160;
const GAP: u32 = 2;

impl Chart {
    /// Columns left to right, as for days.
    pub fn columns(id: &'static str, title: impl Into<String>, unit: &'static str, data: Vec<(String, i64)>) -> Chart {
        let max = data.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
        let column = 14;
        let bars = data
            .into_iter()
            .enumerate()
            .map(|(i, (label, value))| {
                let height = (value.max(0) as u64 * u64::from(PLOT) / max as u64) as u32;
                Bar { label, value, x: i as u32 * (column + GAP), y: PLOT - height, width: column, height }
            })
            .collect::<Vec<_>>();
        let width = (bars.len() as u32 * (column + GAP)).max(column);
        Chart { id, title: title.into(), unit, bars, width, height: PLOT, max, vertical: true }
    }

    /// Rows top to bottom, as for categories.
    pub fn rows(id: &'static str, title: impl Into<String>, unit: &'static str, data: Vec<(String, i64)>) -> Chart {
        let max = data.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
        let row = 16;
        let full = 400;
        let bars = data
            .into_iter()
            .enumerate()
            .map(|(i, (label, value))| {
                let width = (value.max(0) as u64 * full as u64 / max as u64) as u32;
                Bar { label, value, x: 0, y: i as u32 * (row + GAP), width, height: row }
            })
            .collect::<Vec<_>>();
        let height = (bars.len() as u32 * (row + GAP)).max(row);
        Chart { id, title: title.into(), unit, bars, width: full, height, max, vertical: false }
    }

    pub fn total(&self) -> i64 {
        self.bars.iter().map(|b| b.value).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tallest_bar_fills_the_plot_and_the_rest_scale() {
        let c = Chart::columns("d", "t", "件", vec![("a".into(), 4), ("b".into(), 2), ("c".into(), 0)]);
        assert_eq!(c.bars[0].height, PLOT);
        assert_eq!(c.bars[1].height, PLOT / 2);
        assert_eq!((c.bars[2].height, c.bars[2].y), (0, PLOT));
        assert!(c.bars[1].x > c.bars[0].x);
        let r = Chart::rows("s", "t", "件", vec![("x".into(), 3), ("y".into(), 1)]);
        assert_eq!(r.bars[0].width, 400);
        assert_eq!(r.bars[1].width, 133);
        assert_eq!(r.total(), 4);
        let empty = Chart::rows("e", "t", "件", Vec::new());
        assert_eq!(empty.total(), 0);
    }
}
