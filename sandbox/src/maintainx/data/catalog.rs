//! Word lists the generators draw from, so the data reads like a real plant's CMMS: pumps,
//! compressors and conveyors with their failure modes, spare parts with vendor part numbers,
//! sites and areas, technicians. Static and small; picked by hash, never stored per record.

/// Equipment classes: display name, tag prefix, asset type, manufacturers, models, typical jobs.
pub struct Equipment {
    pub name: &'static str,
    pub tag: &'static str,
    pub asset_type: &'static str,
    pub makers: &'static [(&'static str, &'static [&'static str])],
    pub jobs: &'static [&'static str],
}

pub const EQUIPMENT: &[Equipment] = &[
    Equipment {
        name: "Centrifugal Pump",
        tag: "P",
        asset_type: "Pump",
        makers: &[
            ("Grundfos", &["CR 32-4", "NB 65-200"]),
            ("Flowserve", &["Durco Mark 3", "HPX"]),
            ("KSB", &["Etanorm 50-200"]),
        ],
        jobs: &[
            "Replace mechanical seal",
            "Investigate vibration",
            "Check impeller clearance",
            "Repack gland",
            "Realign coupling",
        ],
    },
    Equipment {
        name: "Air Compressor",
        tag: "C",
        asset_type: "Compressor",
        makers: &[
            ("Atlas Copco", &["GA 37 VSD+", "ZT 55"]),
            ("Ingersoll Rand", &["R55n", "UP6-15"]),
            ("Kaeser", &["ASD 40"]),
        ],
        jobs: &[
            "Replace air/oil separator",
            "Change compressor oil",
            "Fix air leak at discharge",
            "Clean aftercooler",
            "Inspect drive belts",
        ],
    },
    Equipment {
        name: "Belt Conveyor",
        tag: "CV",
        asset_type: "Conveyor",
        makers: &[
            ("Dorner", &["3200 Series", "2200 Series"]),
            ("Hytrol", &["TA", "190-ACC"]),
            ("Interroll", &["RollerDrive EC5000"]),
        ],
        jobs: &[
            "Adjust belt tracking",
            "Replace idler rollers",
            "Splice conveyor belt",
            "Lubricate head pulley bearings",
            "Clear jam at transfer point",
        ],
    },
    Equipment {
        name: "Electric Motor",
        tag: "M",
        asset_type: "Motor",
        makers: &[
            ("ABB", &["M3BP 160", "M2BAX 132"]),
            ("WEG", &["W22 IE3"]),
            ("Siemens", &["SIMOTICS GP 1LE1"]),
        ],
        jobs: &[
            "Regrease motor bearings",
            "Thermal scan of motor",
            "Megger test windings",
            "Replace motor fan cover",
        ],
    },
    Equipment {
        name: "Gearbox",
        tag: "GB",
        asset_type: "Gearbox",
        makers: &[
            ("SEW-Eurodrive", &["R47", "K87"]),
            ("Nord", &["SK 9032.1"]),
            ("Flender", &["FZG B2SH"]),
        ],
        jobs: &[
            "Change gear oil",
            "Oil analysis sample",
            "Replace output shaft seal",
            "Inspect gear backlash",
        ],
    },
    Equipment {
        name: "Hydraulic Press",
        tag: "HP",
        asset_type: "Press",
        makers: &[("Schuler", &["MSD 400"]), ("Beckwood", &["Triton 150"])],
        jobs: &[
            "Replace hydraulic hose",
            "Top up hydraulic fluid",
            "Calibrate pressure transducer",
            "Test light curtain",
        ],
    },
    Equipment {
        name: "Boiler",
        tag: "B",
        asset_type: "Boiler",
        makers: &[
            ("Cleaver-Brooks", &["CBEX Elite 200"]),
            ("Miura", &["LX-150"]),
        ],
        jobs: &[
            "Annual boiler inspection",
            "Blowdown valve repair",
            "Clean burner assembly",
            "Test low-water cutoff",
        ],
    },
    Equipment {
        name: "Chiller",
        tag: "CH",
        asset_type: "HVAC",
        makers: &[("Trane", &["CGAM 070"]), ("Carrier", &["30RB 120"])],
        jobs: &[
            "Clean condenser coils",
            "Check refrigerant charge",
            "Replace chiller filter drier",
        ],
    },
    Equipment {
        name: "Forklift",
        tag: "FL",
        asset_type: "Vehicle",
        makers: &[
            ("Toyota", &["8FGCU25"]),
            ("Hyster", &["H50FT"]),
            ("Linde", &["E20"]),
        ],
        jobs: &[
            "500-hour forklift service",
            "Replace forklift tires",
            "Repair mast chain",
            "Daily pre-use inspection",
        ],
    },
    Equipment {
        name: "CNC Machining Center",
        tag: "CNC",
        asset_type: "Machine Tool",
        makers: &[
            ("Haas", &["VF-2", "ST-20"]),
            ("DMG Mori", &["NVX 5080"]),
            ("Mazak", &["VCN-530C"]),
        ],
        jobs: &[
            "Replace way cover",
            "Check spindle runout",
            "Coolant concentration check",
            "Clean chip conveyor",
        ],
    },
];

/// Jobs with no asset (location-wide work).
pub const SITE_JOBS: &[&str] = &[
    "Monthly safety walk",
    "Fire extinguisher inspection",
    "Emergency lighting test",
    "Clean drainage trench",
    "Repair dock leveler",
];

pub const CATEGORIES: &[&str] = &[
    "Mechanical",
    "Electrical",
    "Inspection",
    "Lubrication",
    "Safety",
    "Calibration",
    "Cleaning",
];

/// Sites: name, code, street, city, state/province, postal code, country.
pub const SITES: &[Site] = &[
    (
        "Hamilton Plant",
        "HAM",
        "1200 Burlington St E",
        "Hamilton",
        "ON",
        "L8H 3H8",
        "Canada",
    ),
    (
        "Monterrey Plant",
        "MTY",
        "Av. Industrial 455",
        "Apodaca",
        "NL",
        "66600",
        "Mexico",
    ),
    (
        "Dayton Plant",
        "DAY",
        "4400 Springboro Pike",
        "Dayton",
        "OH",
        "45439",
        "United States",
    ),
    (
        "Rotterdam Terminal",
        "RTM",
        "Missouriweg 25",
        "Rotterdam",
        "ZH",
        "3199 LB",
        "Netherlands",
    ),
    (
        "Greenville Plant",
        "GVL",
        "300 Perimeter Rd",
        "Greenville",
        "SC",
        "29605",
        "United States",
    ),
    (
        "Brno Plant",
        "BRN",
        "Turanka 1222",
        "Brno",
        "JM",
        "627 00",
        "Czechia",
    ),
];

pub type Site = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// One-line postal address of a site.
pub fn site_address(s: &Site) -> String {
    format!("{}, {}, {} {}, {}", s.2, s.3, s.4, s.5, s.6)
}

pub const AREAS: &[&str] = &[
    "Boiler House",
    "Packaging Line",
    "Compressor Room",
    "Assembly Hall",
    "Paint Shop",
    "Warehouse",
    "Machine Shop",
    "Wastewater Treatment",
    "Press Line",
    "Utilities",
];

/// Spare parts: name, description, part-number stem, unit cost range in cents, storage area.
pub const PARTS: &[(&str, &str, &str, (i64, i64))] = &[
    (
        "Deep groove ball bearing 6205-2RS",
        "Sealed bearing, 25x52x15 mm",
        "6205-2RS",
        (800, 2_500),
    ),
    (
        "Mechanical seal 35 mm",
        "Cartridge seal for end-suction pumps",
        "MS35",
        (18_000, 65_000),
    ),
    (
        "V-belt SPA 1250",
        "Wedge belt for compressor drives",
        "SPA1250",
        (1_500, 4_000),
    ),
    (
        "Hydraulic hose 1/2\" 2-wire",
        "SAE 100R2AT, per metre",
        "HH12-2W",
        (1_200, 3_000),
    ),
    (
        "Air/oil separator element",
        "Compressor separator cartridge",
        "AOS-37",
        (9_000, 24_000),
    ),
    (
        "Gear oil ISO VG 220 (20 L)",
        "Synthetic PAO gear oil",
        "GO220-20",
        (14_000, 32_000),
    ),
    (
        "Conveyor idler roller 89 mm",
        "Steel idler, 6204 bearings",
        "IDL89",
        (3_500, 9_000),
    ),
    (
        "Proximity sensor M18",
        "Inductive, PNP NO, 8 mm range",
        "PRX-M18",
        (4_500, 12_000),
    ),
    (
        "Contactor 3-pole 40 A",
        "AC-3 contactor, 24 VDC coil",
        "CT40-24",
        (6_000, 15_000),
    ),
    (
        "Lithium grease EP2 (400 g)",
        "Bearing grease cartridge",
        "EP2-400",
        (600, 1_400),
    ),
    (
        "Filter cartridge 10 micron",
        "Hydraulic return filter",
        "FC10",
        (2_500, 7_500),
    ),
    ("Locknut KM6", "Bearing locknut M30x1.5", "KM6", (300, 900)),
];

pub const STOREROOM_AREAS: &[&str] = &[
    "Main storeroom",
    "Tool room",
    "Line-side cabinet",
    "Maintenance cage",
];

/// Vendors: name, part-number prefix, email domain.
pub const VENDORS: &[(&str, &str, &str)] = &[
    ("Applied Industrial Technologies", "AIT", "applied.example"),
    ("Motion Industries", "MI", "motion.example"),
    ("Grainger", "GR", "grainger.example"),
    ("Kaman Distribution", "KD", "kaman.example"),
    ("SKF Solution Factory", "SKF", "skf.example"),
    ("Fastenal", "FAS", "fastenal.example"),
    ("McMaster-Carr", "MC", "mcmaster.example"),
    ("RS Components", "RS", "rs.example"),
    ("Bearing Service Co.", "BSC", "bearingservice.example"),
    ("Pumps & Process Ltd.", "PPL", "pumpsprocess.example"),
];

pub const FIRST_NAMES: &[&str] = &[
    "Maria", "James", "Aisha", "Lukas", "Sofia", "Daniel", "Priya", "Mateo", "Hannah", "Omar",
    "Chen", "Olivia", "Tomas", "Grace", "Jamal", "Elena", "Kenji", "Fatima", "Noah", "Ingrid",
];

pub const LAST_NAMES: &[&str] = &[
    "Garcia",
    "Okafor",
    "Novak",
    "Schmidt",
    "Tremblay",
    "Nguyen",
    "Patel",
    "Rossi",
    "Kowalski",
    "Silva",
    "Johansson",
    "Haddad",
    "Murphy",
    "Yamamoto",
    "Dubois",
    "Hernandez",
    "Walker",
    "Fischer",
];

pub const SHIFTS: &[&str] = &["Day", "Evening", "Night"];
pub const COST_CENTERS: &[&str] = &["CC-4100", "CC-4200", "CC-4310", "CC-5000", "CC-6120"];
pub const PAYMENT_TERMS: &[&str] = &["Net 30", "Net 45", "Net 60", "2/10 Net 30"];
