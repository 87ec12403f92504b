//! Links the `faultline` binary as a fixed-address (non-PIE) executable.
//!
//! CI scripts call `faultline check FILE` once per history, and for small
//! histories process start-up is most of the time. A position-independent
//! binary of this size carries about 20,000 relative relocations that the
//! dynamic loader applies, page by page, on every start; without PIE there
//! are none. The objects stay position-independent code, which links fine
//! into a fixed-address executable; only address-space randomisation of the
//! binary's own image is given up, which a test harness does not need.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
