//! Times as the reader reads them. The server renders times in UTC (it does not
//! know the reader's zone); once the page's islands are hydrated, [`turn_on`]
//! shows every time and day divider in the reader's time zone and locale
//! (`Intl.DateTimeFormat`): the islands' times follow a switch they read, and
//! the times of server-only parts of the page (marked `data-local`) are
//! rewritten in place. Hydration itself renders the UTC form, so the server's
//! HTML and the browser's first render match.

use leptos::prelude::*;

/// How a server-only `<time data-local=…>` is shown in the reader's zone.
const LOCAL_WHEN: &str = "when";
/// See [`LOCAL_WHEN`]: the full date and time.
const LOCAL_FULL: &str = "full";
/// See [`LOCAL_WHEN`]: the time of day ([`clock`]).
const LOCAL_CLOCK: &str = "clock";

/// A time in a server-only part of a page: UTC as the server renders it,
/// rewritten in the reader's zone by [`turn_on`]. `full` shows the date and
/// time ([`full`]), `clock` the time of day ([`clock`]); otherwise "Today,
/// 14:05" and the like ([`when`]).
#[component]
pub fn LocalizedTime(at: String, #[prop(optional)] full: bool, #[prop(optional)] clock: bool) -> impl IntoView {
    let (style, shown) = match (full, clock) {
        (true, _) => (LOCAL_FULL, self::full(&at, false)),
        (false, true) => (LOCAL_CLOCK, self::clock(&at, false)),
        (false, false) => (LOCAL_WHEN, when(&at, false)),
    };
    let title = self::full(&at, false);
    view! { <time datetime=at data-local=style title=title>{shown}</time> }
}

#[cfg(feature = "hydrate")]
thread_local! {
    /// Whether times are shown in the reader's zone (true once hydrated).
    static SHOWING_LOCAL: ArcRwSignal<bool> = ArcRwSignal::new(false);
}

/// Whether to show local times now (false on the server and while hydrating).
/// Reading it in a reactive closure re-renders the time when it turns on.
pub fn showing_local() -> bool {
    #[cfg(feature = "hydrate")]
    return SHOWING_LOCAL.with(|local| local.get());
    #[cfg(not(feature = "hydrate"))]
    false
}

/// Called once every island is hydrated: times turn local, server-only
/// times are rewritten, and the page's root says so (`data-hydrated`, for
/// scripts and tests that must not act before the page's handlers are attached).
#[cfg(feature = "hydrate")]
pub fn turn_on() {
    SHOWING_LOCAL.with(|local| local.set(true));
    let Some(root) = document().document_element() else { return };
    localize(&root);
    let _ = root.set_attribute("data-hydrated", "true");
}

/// Rewrites the server-only times under `root` (`<time data-local>`) in the
/// reader's zone: the whole page once hydrated, then each row added later.
#[cfg(feature = "hydrate")]
pub fn localize(root: &web_sys::Element) {
    let Ok(times) = root.query_selector_all("time[data-local]") else { return };
    for index in 0..times.length() {
        let Some(time) = times.item(index).and_then(|node| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(node).ok()) else {
            continue;
        };
        let (Some(at), Some(style)) = (time.get_attribute("datetime"), time.get_attribute("data-local")) else {
            continue;
        };
        let shown = match style.as_str() {
            LOCAL_FULL => full(&at, true),
            LOCAL_CLOCK => clock(&at, true),
            _ => when(&at, true),
        };
        time.set_text_content(Some(&shown));
        let _ = time.set_attribute("title", &full(&at, true));
    }
}

/// Seconds from `earlier` to `later`, two of the server's RFC 3339 UTC
/// timestamps (`2026-11-24T09:15:02.123Z`); `None` if either is not one.
pub fn seconds_between(earlier: &str, later: &str) -> Option<i64> {
    Some(utc_seconds(later)? - utc_seconds(earlier)?)
}

/// Seconds since 1970 of a `YYYY-MM-DDTHH:MM:SS…Z` timestamp.
fn utc_seconds(timestamp: &str) -> Option<i64> {
    let number = |range: std::ops::Range<usize>| timestamp.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    // Days from the civil date (Howard Hinnant's algorithm).
    let shifted = if month <= 2 { year - 1 } else { year };
    let era = shifted.div_euclid(400);
    let year_of_era = shifted - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// A message's time of day: `HH:MM` UTC, or the reader's local form.
pub fn clock(timestamp: &str, local: bool) -> String {
    if local && let Some(text) = browser::format(timestamp, browser::Style::Time) {
        return text;
    }
    timestamp.get(11..16).unwrap_or_default().to_owned()
}

/// The full date and time, for a hover title.
pub fn full(timestamp: &str, local: bool) -> String {
    if local && let Some(text) = browser::format(timestamp, browser::Style::Full) {
        return text;
    }
    format!("{} UTC", timestamp.get(..19).unwrap_or(timestamp).replace('T', " "))
}

/// When something last happened, for lists: `Today, 14:05`, `Yesterday,
/// 09:12`, `Monday 23 November, 09:12` in the reader's zone; on the server
/// `2026-11-23 09:05 UTC`.
pub fn when(timestamp: &str, local: bool) -> String {
    if local && let (Some((_, day)), Some(time)) = (browser::day(timestamp), browser::format(timestamp, browser::Style::Time)) {
        return format!("{day}, {time}");
    }
    format!("{} UTC", timestamp.get(..16).unwrap_or(timestamp).replace('T', " "))
}

/// The day a timestamp falls on: a key to compare days by, and its label
/// ("Today", "Yesterday", "Monday 23 November"; in UTC: the date).
pub fn day(timestamp: &str, local: bool) -> (String, String) {
    if local && let Some(day) = browser::day(timestamp) {
        return day;
    }
    let date = timestamp.get(..10).unwrap_or_default().to_owned();
    (date.clone(), date)
}

#[cfg(feature = "hydrate")]
mod browser {
    use js_sys::{Array, Date, Intl, Object, Reflect};
    use wasm_bindgen::JsValue;

    pub enum Style {
        Time,
        Full,
    }

    fn formatter(options: &[(&str, &str)]) -> Intl::DateTimeFormat {
        let opts = Object::new();
        for (key, value) in options {
            let _ = Reflect::set(&opts, &JsValue::from_str(key), &JsValue::from_str(value));
        }
        Intl::DateTimeFormat::new(&Array::new(), &opts)
    }

    fn date(timestamp: &str) -> Option<Date> {
        let date = Date::new(&JsValue::from_str(timestamp));
        (!date.get_time().is_nan()).then_some(date)
    }

    fn apply(format: &Intl::DateTimeFormat, date: &Date) -> Option<String> {
        format.format().call1(&JsValue::NULL, date).ok()?.as_string()
    }

    pub fn format(timestamp: &str, style: Style) -> Option<String> {
        let date = date(timestamp)?;
        let options: &[(&str, &str)] = match style {
            Style::Time => &[("hour", "2-digit"), ("minute", "2-digit")],
            Style::Full => &[("dateStyle", "full"), ("timeStyle", "medium")],
        };
        apply(&formatter(options), &date)
    }

    pub fn day(timestamp: &str) -> Option<(String, String)> {
        let date = date(timestamp)?;
        let key = |d: &Date| format!("{}-{:02}-{:02}", d.get_full_year(), d.get_month() + 1, d.get_date());
        let today = Date::new_0();
        let yesterday = Date::new_0();
        yesterday.set_date(today.get_date() - 1);
        let this = key(&date);
        let label = if this == key(&today) {
            "Today".to_owned()
        } else if this == key(&yesterday) {
            "Yesterday".to_owned()
        } else {
            apply(&formatter(&[("weekday", "long"), ("day", "numeric"), ("month", "long")]), &date)?
        };
        Some((this, label))
    }
}

#[cfg(not(feature = "hydrate"))]
mod browser {
    pub enum Style {
        Time,
        Full,
    }

    pub fn format(_timestamp: &str, _style: Style) -> Option<String> {
        None
    }

    pub fn day(_timestamp: &str) -> Option<(String, String)> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_renders_utc() {
        let at = "2026-11-23T09:05:42.123Z";
        assert_eq!(clock(at, false), "09:05");
        assert_eq!(full(at, false), "2026-11-23 09:05:42 UTC");
        assert_eq!(day(at, false), ("2026-11-23".to_owned(), "2026-11-23".to_owned()));
        assert_eq!(when(at, false), "2026-11-23 09:05 UTC");
    }

    #[test]
    fn seconds_between_timestamps_cross_days_and_years() {
        assert_eq!(seconds_between("2026-11-23T09:05:42.123Z", "2026-11-23T09:10:41.999Z"), Some(299));
        assert_eq!(seconds_between("2026-12-31T23:59:00Z", "2027-01-01T00:01:00Z"), Some(120));
        assert_eq!(seconds_between("2028-02-28T12:00:00Z", "2028-03-01T12:00:00Z"), Some(2 * 86_400));
        assert_eq!(utc_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(seconds_between("yesterday", "2026-11-23T09:05:42Z"), None);
    }
}
