//! `wake_waiting` (issue 3's fix) is a use case of `leadflow` that may not exist yet on this
//! branch: the simulation calls it when it is there (cfg `leadflow_wake`), and otherwise
//! drives the pipeline as `leadflow serve` does without it (waiting leads are routed only when
//! their route retry time comes), so that the waiting-lead invariant shows the defect.

fn main() {
    let usecases = std::path::Path::new("../shared/src/usecases");
    println!("cargo:rerun-if-changed=../shared/src/usecases");
    println!("cargo:rustc-check-cfg=cfg(leadflow_wake)");
    if usecases.join("wake.rs").exists() || usecases.join("wake/mod.rs").exists() {
        println!("cargo:rustc-cfg=leadflow_wake");
    }
}
