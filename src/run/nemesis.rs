//! Fault injection during the main phase: builds the nemeses crate's
//! nemesis over the SUT's node control and proxy mesh, runs its schedule,
//! records every fault and heal in the history, and always heals at the end.

use super::config::NemesisSchedule;
use super::config::{RunConfig, list_word};
use super::progress::Counters;
use super::recorder::Recorder;
use super::sut::Sut;
use anyhow::Context;
use faultline_nemeses::{
    EventSink, NemesisKind, NemesisKinds, Schedule, build_nemesis_on, default_schedule,
    run_schedule,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The configured fault kinds (`none` and an empty list mean no faults).
pub fn kinds(config: &RunConfig) -> anyhow::Result<NemesisKinds> {
    if config.nemesis.is_empty() {
        return Ok(NemesisKinds::default());
    }
    list_word::joined(&config.nemesis)
        .parse()
        .context("parsing --nemesis")
}

/// Writes nemesis events into the history and shows the active faults on the progress line.
struct HistorySink {
    recorder: Arc<Recorder>,
    counters: Arc<Counters>,
    /// Active faults by family (partition, kill, pause, latency), as shown.
    active: Mutex<BTreeMap<&'static str, String>>,
}

impl EventSink for HistorySink {
    fn record(&self, f: &str, value: serde_json::Value) {
        self.recorder.nemesis(f, &value);
        let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        match fault_change(f, &value) {
            FaultChange::Start(family, label) => {
                active.insert(family, label);
            }
            FaultChange::Stop(family) => {
                active.remove(family);
            }
            FaultChange::Other => return,
        }
        let label = if active.is_empty() {
            "none".to_string()
        } else {
            active.values().cloned().collect::<Vec<_>>().join("; ")
        };
        self.counters.set_fault(label);
    }
}

/// `all (n1,n2,n3)`: the target rule the fault drew and the nodes it hit
/// (`leader→random` where no leader was known).
fn targeted(value: &serde_json::Value, nodes: &str) -> String {
    let target = value.get("target").and_then(|t| t.as_str());
    let fallback = value.get("fallback").and_then(|f| f.as_str());
    match (target, fallback) {
        (Some(t), Some(f)) => format!("{t}→{f} ({nodes})"),
        (Some(t), None) => format!("{t} ({nodes})"),
        _ => nodes.to_string(),
    }
}

/// What nemesis event `f` does to the set of active faults.
#[derive(Debug, PartialEq)]
enum FaultChange {
    /// A fault of this family began; the label says where.
    Start(&'static str, String),
    /// The family's fault was healed.
    Stop(&'static str),
    /// Not a fault change (e.g. a nemesis error).
    Other,
}

fn fault_change(f: &str, value: &serde_json::Value) -> FaultChange {
    let nodes = || {
        let names: Vec<&str> = value
            .get("nodes")
            .and_then(|n| n.as_array())
            .map(|n| n.iter().filter_map(|x| x.as_str()).collect())
            .unwrap_or_default();
        names.join(",")
    };
    if let Some(kind) = NemesisKind::started_by(f) {
        let label = match kind {
            NemesisKind::Partition => {
                let groups: Vec<String> = value
                    .get("groups")
                    .or_else(|| value.get("halves"))
                    .and_then(|g| g.as_array())
                    .map(|g| {
                        g.iter()
                            .filter_map(|grp| grp.as_array())
                            .map(|grp| {
                                grp.iter()
                                    .filter_map(|n| n.as_str())
                                    .collect::<Vec<_>>()
                                    .join(",")
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                match value.get("kind").and_then(|k| k.as_str()) {
                    Some(kind) => format!("network partition {kind}: {}", groups.join(" | ")),
                    None => format!("network partition {}", groups.join(" | ")),
                }
            }
            NemesisKind::Kill => format!("kill {}", targeted(value, &nodes())),
            NemesisKind::Pause => format!("pause {}", targeted(value, &nodes())),
            NemesisKind::Latency => "latency".to_string(),
            NemesisKind::Loss => match value.get("percent").and_then(|p| p.as_u64()) {
                Some(p) => format!("loss {p}%"),
                None => "loss".to_string(),
            },
            NemesisKind::Clock => {
                let fault = value
                    .get("fault")
                    .and_then(|f| f.as_str())
                    .unwrap_or("skew");
                format!("clock {fault} {}", targeted(value, &nodes()))
            }
        };
        return FaultChange::Start(kind.as_str(), label);
    }
    match NemesisKind::stopped_by(f) {
        Some(kind) => FaultChange::Stop(kind.as_str()),
        None => FaultChange::Other,
    }
}

/// Refuses a plan in which some requested fault kind cannot happen: faults
/// come in rounds of the kinds (every kind once per round), so the main
/// phase must hold at least one fault per kind even with the longest windows.
pub fn check_room(config: &RunConfig) -> anyhow::Result<()> {
    let kinds = kinds(config)?;
    let wanted = kinds.iter().count();
    if wanted == 0 {
        return Ok(());
    }
    let interval = Duration::from_secs_f64(config.nemesis_interval.max(0.1));
    let schedule = schedule_for(
        config.nemesis_schedule,
        interval,
        default_schedule(&kinds, interval, 0),
    );
    let limit = Duration::from_secs_f64(config.time_limit.max(0.0));
    let room = schedule.faults_certain_within(limit);
    if room >= wanted {
        return Ok(());
    }
    let needed = schedule.latest_start(wanted).as_secs_f64();
    anyhow::bail!(
        "--time-limit {} with faults every {} s ({} schedule) has room for {room} fault(s), but \
         --nemesis {} asks for {wanted} kind(s): {}. Use --time-limit above {needed} s, a \
         shorter --nemesis-interval, fewer kinds, or --nemesis none",
        config.time_limit,
        config.nemesis_interval,
        config.nemesis_schedule,
        list_word::joined(&config.nemesis),
        if room == 0 {
            format!(
                "the first fault would start only after {} s of quiet, so none would run",
                schedule.latest_start(1).as_secs_f64()
            )
        } else {
            "some kind would never be injected".to_string()
        }
    )
}

/// Runs the configured nemesis until `stop`, then heals; returns after the final heal.
pub async fn run(
    config: &RunConfig,
    sut: &Sut,
    recorder: Arc<Recorder>,
    counters: Arc<Counters>,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    let kinds = kinds(config)?;
    counters.set_fault("none");
    if kinds.is_none() {
        stop.cancelled().await;
        return Ok(());
    }
    let Some(control) = sut.control.clone() else {
        // Validation refuses such runs; a SUT that lost its control since is a harness fault.
        anyhow::bail!("nemesis {kinds} needs node control, which this SUT does not offer");
    };
    let interval = Duration::from_secs_f64(config.nemesis_interval.max(0.1));
    let built = build_nemesis_on(
        &kinds,
        interval,
        config.seed.unwrap_or_default(),
        control,
        sut.network_backends(),
    )
    .context("building the nemesis")?;
    let Some(nemesis) = built.nemesis else {
        stop.cancelled().await;
        return Ok(());
    };
    let sink: Arc<dyn EventSink> = Arc::new(HistorySink {
        recorder,
        counters,
        active: Mutex::new(BTreeMap::new()),
    });
    let schedule = schedule_for(config.nemesis_schedule, interval, built.schedule);
    let summary = run_schedule(nemesis, schedule, sink, stop)
        .await
        .context("running the nemesis")?;
    tracing::info!("nemesis injected {} fault(s)", summary.faults);
    Ok(())
}

/// The schedule `kind` asks for, seeded like the builder's `interval` one.
fn schedule_for(
    kind: NemesisSchedule,
    interval: Duration,
    interval_schedule: Schedule,
) -> Schedule {
    match kind {
        NemesisSchedule::Interval => interval_schedule,
        NemesisSchedule::Random => Schedule {
            max_faults: interval_schedule.max_faults,
            combine_every: interval_schedule.combine_every,
            ..Schedule::random(interval / 2, interval * 3 / 2, interval_schedule.seed)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_nemeses::Timing;
    use serde_json::json;

    #[test]
    fn random_schedules_vary_around_the_interval() {
        let base = Schedule::interval(Duration::from_secs(4), 9);
        assert_eq!(
            schedule_for(
                NemesisSchedule::Interval,
                Duration::from_secs(4),
                base.clone()
            ),
            base
        );
        let random = schedule_for(NemesisSchedule::Random, Duration::from_secs(4), base);
        assert_eq!(random.seed, 9);
        assert_eq!(
            random.timing,
            Timing::Random {
                faulty: (Duration::from_secs(2), Duration::from_secs(6)),
                healthy: (Duration::from_secs(2), Duration::from_secs(6)),
            }
        );
        let windows: Vec<_> = random.windows().take(20).collect();
        assert!(windows.iter().any(|w| w.faulty != windows[0].faulty));
    }

    #[test]
    fn fault_labels_say_where_the_fault_is() {
        assert_eq!(
            fault_change(
                "start-partition",
                &json!({"groups": [["n1"], ["n2", "n3"]], "kind": "isolate-one"})
            ),
            FaultChange::Start(
                "partition",
                "network partition isolate-one: n1 | n2,n3".into()
            )
        );
        assert_eq!(
            fault_change("kill", &json!({"nodes": ["n2"]})),
            FaultChange::Start("kill", "kill n2".into())
        );
        // A whole-cluster crash says so, and a leader fault that fell back.
        assert_eq!(
            fault_change(
                "kill",
                &json!({"nodes": ["n1", "n2", "n3"], "target": "all"})
            ),
            FaultChange::Start("kill", "kill all (n1,n2,n3)".into())
        );
        assert_eq!(
            fault_change(
                "pause",
                &json!({"nodes": ["n3"], "target": "leader", "fallback": "random"})
            ),
            FaultChange::Start("pause", "pause leader→random (n3)".into())
        );
        assert_eq!(
            fault_change(
                "start-clock",
                &json!({"fault": "strobe", "nodes": ["n1"], "target": "one"})
            ),
            FaultChange::Start("clock", "clock strobe one (n1)".into())
        );
        assert_eq!(
            fault_change("stop-clock", &json!({"nodes": ["n1"]})),
            FaultChange::Stop("clock")
        );
        assert_eq!(
            fault_change("start", &json!({"nodes": ["n2"]})),
            FaultChange::Stop("kill")
        );
        assert_eq!(
            fault_change("nemesis-error", &json!({})),
            FaultChange::Other
        );
    }
}
