//! Without `nft`/`ip` on PATH (or without root) the netns backend refuses
//! clearly and names the proxy mesh. Alone in its binary because it changes PATH.

use std::collections::BTreeMap;

use faultline_nemeses::{NemesisError, NetnsPartition};

#[test]
fn missing_tools_or_root_give_a_clear_error_naming_the_alternative() {
    let empty = tempfile::tempdir().unwrap();
    // SAFETY: this binary has a single test and no other threads read the environment.
    unsafe { std::env::set_var("PATH", empty.path()) };
    let err = NetnsPartition::new(BTreeMap::new()).unwrap_err();
    assert!(matches!(err, NemesisError::NetnsUnavailable(_)), "{err}");
    let text = err.to_string();
    assert!(text.contains("proxy mesh"), "{text}");
    assert!(
        text.contains("not running as root") || text.contains("`ip` not found"),
        "{text}"
    );
}
