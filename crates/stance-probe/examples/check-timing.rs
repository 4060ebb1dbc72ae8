//! Prints how long each check takes on this machine (facts are charged to the first
//! check that needs them). For finding the slow parts of the probe.

use std::time::Instant;

use stance_probe::checks::CHECKS;
use stance_probe::{Ctx, Host, ProbeOptions, evaluate};

fn main() {
    if std::env::var_os("FACTS").is_some() {
        return facts();
    }
    let host = Host::live();
    let opts = ProbeOptions { secret_scan: false, ..ProbeOptions::default() };
    let ctx = Ctx::new(&host, &opts);
    let all = Instant::now();
    let mut times: Vec<(u128, &str)> = CHECKS
        .iter()
        .map(|c| {
            let t = Instant::now();
            let _ = evaluate(&ctx, c);
            (t.elapsed().as_micros(), c.id)
        })
        .collect();
    times.sort_by(|a, b| b.cmp(a));
    for (us, id) in times.iter().take(15) {
        println!("{us:>8} µs  {id}");
    }
    println!("{:>8} µs  total", all.elapsed().as_micros());
}

#[allow(dead_code)]
fn facts() {
    let host = Host::live();
    let opts = ProbeOptions { secret_scan: false, ..ProbeOptions::default() };
    let ctx = Ctx::new(&host, &opts);
    let t = Instant::now();
    let _ = ctx.procs();
    println!("procs {} µs", t.elapsed().as_micros());
    let t = Instant::now();
    let _ = ctx.listeners();
    println!("listeners {} µs", t.elapsed().as_micros());
    let t = Instant::now();
    let _ = ctx.platform();
    println!("platform {} µs", t.elapsed().as_micros());
    let t = Instant::now();
    let _ = ctx.isolation();
    println!("isolation {} µs", t.elapsed().as_micros());
}
