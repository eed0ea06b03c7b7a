//! Charts drawn on the server as inline SVG (no JavaScript, readable by screen readers through
//! a title and the table every chart sits beside). Every text is escaped here: the SVG is
//! inserted into pages unescaped.
use std::fmt::Write;

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// One bar: its label, its value as a share (0 to 1) and the text printed after it.
pub struct ShareBar {
    pub label: String,
    pub share: f64,
    pub text: String,
}

/// Narrow enough that a phone shows the bar chart at nearly its drawn size.
const SHARE_W: f64 = 420.0;
const LABEL_W: f64 = 118.0;
const TEXT_W: f64 = 86.0;
const WIDTH: f64 = 640.0;
const ROW_H: f64 = 22.0;
const TOP: f64 = 28.0;

/// Horizontal bars from 0 to 100 %, with a dashed line at `target` (the programme's 50 %).
/// Bars at or above the target are green, the others amber.
pub fn share_bars(title: &str, bars: &[ShareBar], target: f64, target_label: &str) -> String {
    let plot_w = SHARE_W - LABEL_W - TEXT_W;
    let height = TOP + ROW_H * bars.len() as f64 + 8.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart share-chart" viewBox="0 0 {SHARE_W} {height}" role="img" aria-label="{title}" xmlns="http://www.w3.org/2000/svg"><title>{title}</title>"#,
        title = escape(title)
    );
    // The target line first: bars and their figures are drawn over it.
    let x = LABEL_W + target.clamp(0.0, 1.0) * plot_w;
    let _ = write!(
        svg,
        r##"<line x1="{x:.1}" y1="{y1}" x2="{x:.1}" y2="{y2}" stroke="#1b1b1b" stroke-dasharray="4 3"/><text x="{x:.1}" y="14" text-anchor="middle" font-size="12">{}</text>"##,
        escape(target_label),
        y1 = TOP - 6.0,
        y2 = height - 4.0,
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let w = (bar.share.clamp(0.0, 1.0) * plot_w).max(0.0);
        let fill = if bar.share >= target {
            "#1d6b3a"
        } else {
            "#b36b00"
        };
        let _ = write!(
            svg,
            r#"<text x="{lx}" y="{ty}" text-anchor="end" font-size="12">{label}</text><rect x="{LABEL_W}" y="{ry}" width="{w:.1}" height="{bh}" fill="{fill}"/><text x="{tx:.1}" y="{ty}" font-size="12">{text}</text>"#,
            lx = LABEL_W - 6.0,
            ty = y + 15.0,
            ry = y + 4.0,
            bh = ROW_H - 6.0,
            tx = LABEL_W + w + 4.0,
            label = escape(&bar.label),
            text = escape(&bar.text),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One column: its label (printed under it) and value.
pub struct Column {
    pub label: String,
    pub value: i64,
}

/// Vertical columns scaled to the largest value, each with its label below.
pub fn columns(title: &str, columns: &[Column], format: &dyn Fn(i64) -> String) -> String {
    let height = 220.0;
    let base = height - 40.0;
    let top = 24.0;
    let max = columns.iter().map(|c| c.value).max().unwrap_or(0).max(1) as f64;
    let n = columns.len().max(1) as f64;
    let slot = (WIDTH - 20.0) / n;
    let bar_w = (slot * 0.7).max(2.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="columns-title" xmlns="http://www.w3.org/2000/svg"><title id="columns-title">{}</title><line x1="10" y1="{base}" x2="{x2}" y2="{base}" stroke="#8a8a8a"/>"##,
        escape(title),
        x2 = WIDTH - 10.0,
    );
    // Label every column when they fit, else about twelve of them.
    let every = (columns.len() / 12).max(1);
    for (i, c) in columns.iter().enumerate() {
        let h = (c.value.max(0) as f64 / max) * (base - top);
        let x = 10.0 + slot * i as f64 + (slot - bar_w) / 2.0;
        let _ = write!(
            svg,
            r##"<rect x="{x:.1}" y="{y:.1}" width="{bar_w:.1}" height="{h:.1}" fill="#1d6b3a"><title>{label}: {value}</title></rect>"##,
            y = base - h,
            label = escape(&c.label),
            value = escape(&format(c.value)),
        );
        if i % every == 0 {
            let _ = write!(
                svg,
                r#"<text x="{cx:.1}" y="{ty}" text-anchor="middle" font-size="11">{}</text>"#,
                escape(&c.label),
                cx = x + bar_w / 2.0,
                ty = base + 14.0,
            );
        }
    }
    let _ = write!(
        svg,
        r#"<text x="10" y="14" font-size="12">{}</text></svg>"#,
        escape(&format(max as i64))
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_bars_scale_to_the_share() {
        let svg = share_bars(
            "Tỉ lệ <script>",
            &[
                ShareBar {
                    label: "A&B".into(),
                    share: 0.5,
                    text: "50 %".into(),
                },
                ShareBar {
                    label: "C".into(),
                    share: 0.25,
                    text: "25 %".into(),
                },
            ],
            0.5,
            "50 %",
        );
        assert!(svg.contains("Tỉ lệ &lt;script&gt;") && svg.contains("A&amp;B"));
        assert!(!svg.contains("<script>"));
        let plot = SHARE_W - LABEL_W - TEXT_W;
        assert!(
            svg.contains(&format!(r#"width="{:.1}""#, plot * 0.5)),
            "{svg}"
        );
        assert!(
            svg.contains(&format!(r#"width="{:.1}""#, plot * 0.25)),
            "{svg}"
        );
        // The 50 % bar meets the target (green), the 25 % one does not (amber).
        assert!(svg.contains("#1d6b3a") && svg.contains("#b36b00"));
    }

    #[test]
    fn the_tallest_column_fills_the_plot() {
        let svg = columns(
            "Doanh thu",
            &[
                Column {
                    label: "2026-01".into(),
                    value: 10,
                },
                Column {
                    label: "2026-02".into(),
                    value: 5,
                },
            ],
            &|v| v.to_string(),
        );
        assert!(svg.contains(r#"height="156.0""#), "{svg}");
        assert!(svg.contains(r#"height="78.0""#), "{svg}");
    }
}
