//! Forming the inspection teams of the selected entities, and replacing an
//! inspector who recuses after the draw.
//!
//! The specification: inspectors are taken in ascending id order and every
//! one starts with load 0. For each selected entity, in the order of
//! [`DrawResult::selected`], resolve its [`TeamNeed`] and fill its seats in
//! order: first one seat per entry of `departments`, then open seats up to
//! `min_size`. An inspector is eligible for a seat when
//!
//! - its department is the seat's department (an open seat: any of the
//!   need's departments, or any department when the need lists none),
//! - it has the need's specialty, if one is given,
//! - it is not recused for this entity (行政处罚法第四十三条),
//! - it is not already in this team.
//!
//! Among the eligible inspectors with the lowest load, in id order, take
//! the one at index `uniform(m)` from the team stream, where `m` is their
//! number, and add 1 to its load. With no eligible inspector the seat is
//! recorded as a [`Shortage`] and no random word is used.
//!
//! Taking the least-loaded keeps the work even: when every inspector is
//! eligible for every seat, loads never differ by more than one, so nobody
//! exceeds `ceil(seats / inspectors)`. Departments, specialties and
//! recusals can force more on a few people; the draw never trades them away
//! for evenness.

use super::seed::{DrawStream, Seed, TEAM_STREAM};
use super::{
    DrawError, DrawResult, Inspector, LogEntry, MIN_TEAM_SIZE, Recusal, Selected, Shortage, Team, TeamNeed, TeamNeeds,
    check_text,
};
use std::collections::HashMap;

/// The teams of a draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamAssignment {
    pub teams: Vec<Team>,
    pub shortages: Vec<Shortage>,
    /// Words taken from the team stream.
    pub stream_position: u64,
}

/// The inspector list prepared for seat filling.
struct Roster<'a> {
    /// Ascending id; inspectors are referred to by index here.
    inspectors: Vec<&'a Inspector>,
    index: HashMap<&'a str, u32>,
    by_department: HashMap<&'a str, Vec<u32>>,
    /// Open-seat candidates per distinct department set of a need, keyed
    /// by [`open_key`].
    open: HashMap<String, Vec<u32>>,
    all: Vec<u32>,
    recused: HashMap<&'a str, Vec<u32>>,
}

/// The need's departments, distinct and sorted, joined by tabs (which
/// names cannot contain).
fn open_key(need: &TeamNeed) -> (Vec<&str>, String) {
    let mut set: Vec<&str> = need.departments.iter().map(String::as_str).collect();
    set.sort_unstable();
    set.dedup();
    let key = set.join("\t");
    (set, key)
}

fn check_need(need: &TeamNeed) -> Result<(), DrawError> {
    if need.min_size < MIN_TEAM_SIZE {
        return Err(DrawError::TeamTooSmall {
            min_size: need.min_size,
        });
    }
    for d in &need.departments {
        check_text("department", d)?;
    }
    if let Some(s) = &need.specialty {
        check_text("specialty", s)?;
    }
    Ok(())
}

impl<'a> Roster<'a> {
    fn new(inspectors: &'a [Inspector], needs: &'a TeamNeeds, recusals: &'a [Recusal]) -> Result<Self, DrawError> {
        let mut sorted: Vec<&Inspector> = inspectors.iter().collect();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        let mut index = HashMap::with_capacity(sorted.len());
        let mut by_department: HashMap<&str, Vec<u32>> = HashMap::new();
        for (i, p) in sorted.iter().enumerate() {
            check_text("inspector id", &p.id)?;
            check_text("department", &p.department)?;
            for s in &p.specialties {
                check_text("specialty", s)?;
            }
            let i = u32::try_from(i).map_err(|_| DrawError::Internal("inspector count"))?;
            if index.insert(p.id.as_str(), i).is_some() {
                return Err(DrawError::DuplicateInspector(p.id.clone()));
            }
            by_department.entry(p.department.as_str()).or_default().push(i);
        }
        let all: Vec<u32> = (0..sorted.len()).filter_map(|i| u32::try_from(i).ok()).collect();

        let mut open = HashMap::new();
        for need in std::iter::once(&needs.default)
            .chain(needs.strata.values())
            .chain(needs.codes.values())
        {
            check_need(need)?;
            let (set, key) = open_key(need);
            if set.is_empty() || open.contains_key(&key) {
                continue;
            }
            // Ascending index is ascending id.
            let members: Vec<u32> = all
                .iter()
                .copied()
                .filter(|&i| set.binary_search(&sorted[i as usize].department.as_str()).is_ok())
                .collect();
            open.insert(key, members);
        }

        let mut recused: HashMap<&str, Vec<u32>> = HashMap::new();
        for r in recusals {
            check_text("entity code", &r.code)?;
            let &i = index
                .get(r.inspector.as_str())
                .ok_or_else(|| DrawError::UnknownInspector(r.inspector.clone()))?;
            recused.entry(r.code.as_str()).or_default().push(i);
        }
        Ok(Self {
            inspectors: sorted,
            index,
            by_department,
            open,
            all,
            recused,
        })
    }

    /// Candidates for a seat, ascending id.
    fn seat_pool(&self, need: &TeamNeed, department: Option<&str>) -> &[u32] {
        match department {
            Some(d) => self.by_department.get(d).map_or(&[], Vec::as_slice),
            None if need.departments.is_empty() => &self.all,
            None => self.open.get(&open_key(need).1).map_or(&[], Vec::as_slice),
        }
    }

    fn recused_for(&self, code: &str) -> &[u32] {
        self.recused.get(code).map_or(&[], Vec::as_slice)
    }

    /// The least-loaded eligible inspector, ties broken by the stream.
    /// `lowest` is scratch space, reused between calls.
    #[allow(clippy::too_many_arguments)]
    fn choose(
        &self,
        pool: &[u32],
        specialty: Option<&str>,
        recused: &[u32],
        team: &[u32],
        loads: &[u32],
        stream: &mut DrawStream,
        lowest: &mut Vec<u32>,
    ) -> Option<u32> {
        // One pass in id order, keeping the eligible inspectors at the
        // lowest load seen so far; anyone above it is skipped before the
        // (dearer) eligibility checks.
        lowest.clear();
        let mut min = u32::MAX;
        for &i in pool {
            let l = loads[i as usize];
            if l > min
                || team.contains(&i)
                || recused.contains(&i)
                || specialty.is_some_and(|s| !self.inspectors[i as usize].specialties.iter().any(|x| x == s))
            {
                continue;
            }
            if l < min {
                min = l;
                lowest.clear();
            }
            lowest.push(i);
        }
        if lowest.is_empty() {
            return None;
        }
        let t = stream.below(lowest.len() as u64);
        lowest.get(usize::try_from(t).ok()?).copied()
    }

    fn id(&self, i: u32) -> String {
        self.inspectors
            .get(i as usize)
            .map_or_else(String::new, |p| p.id.clone())
    }
}

/// Form a team for every selected entity (see the module documentation).
pub fn assign_teams(
    inspectors: &[Inspector],
    needs: &TeamNeeds,
    recusals: &[Recusal],
    selected: &[Selected],
    seed: &Seed,
) -> Result<TeamAssignment, DrawError> {
    let roster = Roster::new(inspectors, needs, recusals)?;
    let mut loads = vec![0u32; roster.inspectors.len()];
    let mut stream = DrawStream::new(seed, TEAM_STREAM);
    let mut teams = Vec::with_capacity(selected.len());
    let mut shortages = Vec::new();
    let mut members: Vec<u32> = Vec::new();
    let mut lowest = Vec::new();
    for s in selected {
        let need = needs.resolve(&s.code, &s.stratum);
        let recused = roster.recused_for(&s.code);
        members.clear();
        let mut seats = Vec::with_capacity(need.seats());
        for seat in 0..need.seats() {
            let department = need.departments.get(seat).map(String::as_str);
            let pool = roster.seat_pool(need, department);
            match roster.choose(
                pool,
                need.specialty.as_deref(),
                recused,
                &members,
                &loads,
                &mut stream,
                &mut lowest,
            ) {
                Some(i) => {
                    members.push(i);
                    seats.push(department.map(str::to_string));
                    loads[i as usize] += 1;
                }
                None => shortages.push(Shortage {
                    code: s.code.clone(),
                    department: department.map(str::to_string),
                }),
            }
        }
        teams.push(Team {
            code: s.code.clone(),
            inspectors: members.iter().map(|&i| roster.id(i)).collect(),
            seats,
        });
    }
    Ok(TeamAssignment {
        teams,
        shortages,
        stream_position: stream.position(),
    })
}

/// See [`super::replace`]. The recusals in force are the declared ones,
/// those of earlier replacements in the log, and the new one.
pub(crate) fn replace(
    result: &mut DrawResult,
    inspectors: &[Inspector],
    needs: &TeamNeeds,
    recusals: &[Recusal],
    seed: &Seed,
    code: &str,
    inspector: &str,
) -> Result<LogEntry, DrawError> {
    let t = result
        .teams
        .iter()
        .position(|t| t.code == code)
        .ok_or_else(|| DrawError::NotSelected(code.to_string()))?;
    let member = result.teams[t]
        .inspectors
        .iter()
        .position(|i| i == inspector)
        .ok_or_else(|| DrawError::NotInTeam {
            code: code.to_string(),
            inspector: inspector.to_string(),
        })?;
    let mut in_force: Vec<Recusal> = recusals.to_vec();
    for e in &result.log {
        let LogEntry::Replaced { code, removed, .. } = e;
        in_force.push(Recusal {
            inspector: removed.clone(),
            code: code.clone(),
        });
    }
    in_force.push(Recusal {
        inspector: inspector.to_string(),
        code: code.to_string(),
    });
    let roster = Roster::new(inspectors, needs, &in_force)?;

    // Loads are the seats held now, without the one being vacated.
    let mut loads = vec![0u32; roster.inspectors.len()];
    for team in &result.teams {
        for id in &team.inspectors {
            if let Some(&i) = roster.index.get(id.as_str()) {
                loads[i as usize] += 1;
            }
        }
    }
    let team = &result.teams[t];
    let mut remaining = Vec::with_capacity(team.inspectors.len());
    for (k, id) in team.inspectors.iter().enumerate() {
        let &i = roster
            .index
            .get(id.as_str())
            .ok_or_else(|| DrawError::UnknownInspector(id.clone()))?;
        if k == member {
            loads[i as usize] -= 1;
        } else {
            remaining.push(i);
        }
    }
    let stratum = result
        .selected
        .iter()
        .find(|s| s.code == code)
        .map_or("", |s| s.stratum.as_str());
    let need = needs.resolve(code, stratum);
    let department = team.seats.get(member).cloned().flatten();
    let pool = roster.seat_pool(need, department.as_deref());
    let stream_from = result.team_stream_position;
    let mut stream = DrawStream::resume(seed, TEAM_STREAM, stream_from);
    let chosen = roster.choose(
        pool,
        need.specialty.as_deref(),
        roster.recused_for(code),
        &remaining,
        &loads,
        &mut stream,
        &mut Vec::new(),
    );
    let added = chosen.map(|i| roster.id(i));
    let stream_to = stream.position();

    let team = &mut result.teams[t];
    match &added {
        Some(id) => team.inspectors[member] = id.clone(),
        None => {
            team.inspectors.remove(member);
            if member < team.seats.len() {
                team.seats.remove(member);
            }
            result.shortages.push(Shortage {
                code: code.to_string(),
                department: department.clone(),
            });
        }
    }
    result.team_stream_position = stream_to;
    let entry = LogEntry::Replaced {
        code: code.to_string(),
        removed: inspector.to_string(),
        added,
        department,
        stream_from,
        stream_to,
    };
    result.log.push(entry.clone());
    Ok(entry)
}
