//! Every screen in a real browser (Debian's Chromium through chromedriver, which `.ci/run`
//! starts): axe-core accessibility checks on each screen of each role (`screens`), one
//! keyboard journey per role (`reviewer`, `journeys`), and reflow at 320 CSS pixels
//! (`reflow`). Skipped without WEBDRIVER_URL, except under CI, where that fails.

mod axe;
mod driver;
mod journeys;
mod reflow;
mod reviewer;
mod screens;
