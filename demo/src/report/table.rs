//! Aligned plain-text tables: a header, a dashed rule, rows, and an optional total row below
//! a second rule. Columns are as wide as their widest cell, two spaces apart.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone)]
pub struct Table {
    columns: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
    total: Option<Vec<String>>,
}

impl Table {
    pub fn new(columns: &[(&str, Align)]) -> Self {
        Table {
            columns: columns
                .iter()
                .map(|(name, align)| (name.to_string(), *align))
                .collect(),
            rows: Vec::new(),
            total: None,
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.columns.len(), "one cell per column");
        self.rows.push(cells);
    }

    pub fn total(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.columns.len(), "one cell per column");
        self.total = Some(cells);
    }

    fn widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.columns.iter().map(|(n, _)| n.len()).collect();
        for row in self.rows.iter().chain(self.total.iter()) {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.len());
            }
        }
        widths
    }

    fn line(&self, cells: &[String], widths: &[usize]) -> String {
        let mut out = String::from("  ");
        for (i, ((cell, width), (_, align))) in
            cells.iter().zip(widths).zip(&self.columns).enumerate()
        {
            if i > 0 {
                out.push_str("  ");
            }
            match align {
                Align::Left => out.push_str(&format!("{cell:<width$}")),
                Align::Right => out.push_str(&format!("{cell:>width$}")),
            }
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    }

    pub fn render(&self) -> String {
        let widths = self.widths();
        let headers: Vec<String> = self.columns.iter().map(|(n, _)| n.clone()).collect();
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        let mut out = self.line(&headers, &widths);
        out.push_str(&self.line(&rule, &widths));
        for row in &self.rows {
            out.push_str(&self.line(row, &widths));
        }
        if let Some(total) = &self.total {
            out.push_str(&self.line(&rule, &widths));
            out.push_str(&self.line(total, &widths));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up() {
        let mut t = Table::new(&[("Tier", Align::Left), ("Leads", Align::Right)]);
        t.row(vec!["A".into(), "7".into()]);
        t.row(vec!["B".into(), "1,234".into()]);
        t.total(vec!["All".into(), "1,241".into()]);
        assert_eq!(
            t.render(),
            "  Tier  Leads\n  ----  -----\n  A         7\n  B     1,234\n  ----  -----\n  All   1,241\n"
        );
    }
}
