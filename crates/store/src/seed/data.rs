//! The demo store's rows: products, customers, orders, returns, tickets and shipping rates, each
//! with a fixed id.

use domain::Cents;

/// Every table of the store, in an order that respects foreign keys.
pub const TABLES: &[&str] = &[
    "products",
    "orders",
    "order_items",
    "shipping_rates",
    "returns",
    "return_items",
    "support_tickets",
    "conversations",
    "messages",
];

pub struct SeedProduct {
    pub id: i64,
    pub sku: &'static str,
    pub name: &'static str,
    pub category: &'static str,
    pub price: Cents,
    pub stock: i64,
    pub weight_oz: i64,
    pub specifications: &'static str,
    pub description: &'static str,
}

// Positional rows keep the seed tables readable as tables.
#[allow(clippy::too_many_arguments)]
const fn product(
    id: i64,
    sku: &'static str,
    name: &'static str,
    category: &'static str,
    dollars: i64,
    stock: i64,
    weight_oz: i64,
    specifications: &'static str,
    description: &'static str,
) -> SeedProduct {
    SeedProduct {
        id,
        sku,
        name,
        category,
        price: Cents(dollars * 100),
        stock,
        weight_oz,
        specifications,
        description,
    }
}

#[rustfmt::skip]
pub const PRODUCTS: &[SeedProduct] = &[
    product(1, "HP-AUR-ANC", "Aurora ANC Over-Ear Headphones", "headphone", 349, 42, 28,
        "Hybrid active noise cancelling; 40 mm dynamic drivers; Bluetooth 5.3 multipoint; LDAC and AAC; 30 h battery with ANC; USB-C fast charge (10 min = 5 h)",
        "Flagship wireless over-ears with adaptive noise cancelling, a transparency mode and memory-foam cushions for long flights."),
    product(2, "HP-PLS-TWS", "Pulse Pro True Wireless Earbuds", "headphone", 199, 88, 8,
        "ANC; 11 mm drivers; Bluetooth 5.3; IPX5; 8 h buds + 24 h case; wireless charging case",
        "Compact noise-cancelling earbuds with three ear-tip sizes, a sweat-resistant build and a pocketable wireless charging case."),
    product(3, "HP-STU-M50", "Studio M50 Monitor Headphones", "headphone", 169, 25, 22,
        "Closed-back; 45 mm drivers; 15-28,000 Hz; 38 ohm; detachable 3 m coiled and 1.2 m straight cables",
        "Wired studio reference headphones with a flat response for mixing, tracking and critical listening."),
    product(4, "HP-VRT-GAM", "Vortex 7.1 Gaming Headset", "headphone", 129, 0, 26,
        "Virtual 7.1 surround; 50 mm drivers; detachable noise-cancelling boom mic; USB-A and 3.5 mm; RGB ear cups",
        "Lightweight gaming headset with virtual surround, a detachable boom microphone and on-ear volume and mute controls."),
    product(5, "CM-LUM-X1", "Lumen X1 Full-Frame Mirrorless Camera", "camera", 2199, 6, 48,
        "33 MP full-frame BSI sensor; 5-axis IBIS; 4K60 10-bit video; dual SD UHS-II; weather sealed; body only",
        "Professional full-frame mirrorless body with in-body stabilisation, fast eye-tracking autofocus and weather sealing."),
    product(6, "CM-TRK-4K", "Trek 4K Action Camera", "camera", 399, 30, 14,
        "4K120 video; 27 MP photos; HyperSteady stabilisation; waterproof to 10 m without housing; front and rear screens",
        "Rugged, waterproof action camera for helmets, handlebars and underwater shots, with stabilisation that needs no gimbal."),
    product(7, "MN-VIS-27Q", "Vista 27\" QHD IPS Monitor", "monitor", 329, 15, 192,
        "27 in IPS; 2560x1440; 165 Hz; 1 ms GtG; HDR400; 95% DCI-P3; DisplayPort 1.4, 2x HDMI 2.0; height-adjustable stand",
        "Fast, colour-accurate 1440p monitor for work and play, with a fully adjustable stand and VESA 100 mounting."),
    product(8, "MN-VIS-32U", "Vista 32\" 4K UHD Monitor", "monitor", 649, 9, 256,
        "32 in IPS; 3840x2160; 60 Hz; HDR600; 98% DCI-P3; USB-C with 90 W power delivery; built-in KVM",
        "A 4K workspace monitor that charges and connects a laptop over one USB-C cable and switches keyboard and mouse between two computers."),
    product(9, "MN-ARC-34W", "Arc 34\" Curved Ultrawide Monitor", "monitor", 899, 4, 320,
        "34 in VA, 1500R curve; 3440x1440; 144 Hz; HDR400; picture-by-picture; USB-C 65 W",
        "Immersive 21:9 curved ultrawide for sim racing, timelines and spreadsheets side by side."),
    product(10, "KB-TAC-75", "Tactile 75% Mechanical Keyboard", "keyboard", 149, 40, 36,
        "75% layout; hot-swappable tactile switches; PBT keycaps; gasket mount; USB-C wired and Bluetooth 5.1; 4000 mAh",
        "A compact mechanical keyboard with a gasket-mounted plate, hot-swap sockets and three-device Bluetooth."),
    product(11, "KB-SLM-WL", "Slimline Wireless Keyboard", "keyboard", 99, 60, 20,
        "Full size; low-profile scissor switches; Bluetooth and 2.4 GHz receiver; backlit; rechargeable, 3 months per charge",
        "A quiet, thin full-size keyboard that pairs with three devices and switches between them with one key."),
    product(12, "KB-ERG-SPL", "Ergo Split Keyboard", "keyboard", 249, 12, 44,
        "Split, tented design; Cherry MX Brown switches; programmable layers; palm rests; USB-C",
        "A split ergonomic keyboard with adjustable tenting that keeps wrists straight during long typing sessions."),
    product(13, "SP-BOOM-GO", "BoomGo Portable Bluetooth Speaker", "speaker", 129, 55, 24,
        "20 W stereo; IP67 dust and waterproof; 16 h battery; PartyLink pairing; USB-C",
        "A rugged, floating portable speaker with surprisingly deep bass that pairs with a second unit for stereo."),
    product(14, "SP-HOME-SM", "HomeSound Smart Speaker", "speaker", 199, 33, 40,
        "360-degree sound; far-field microphones; Wi-Fi 6 and Bluetooth; AirPlay 2 and Chromecast; multi-room",
        "A room-filling smart speaker that streams over Wi-Fi and groups with others for multi-room audio."),
    product(15, "SP-CIN-51", "Cinema 5.1 Soundbar", "speaker", 799, 7, 240,
        "5.1 channels; wireless subwoofer; Dolby Atmos and DTS:X; HDMI eARC; 520 W total",
        "A soundbar and wireless subwoofer that turn a TV into a home theatre, set up with one HDMI cable."),
    product(16, "SP-STD-PR", "Studio Bookshelf Speakers (pair)", "speaker", 449, 14, 272,
        "Active 2-way; 5.25 in woofers; 1 in silk tweeters; 2x 50 W; optical, USB-B, RCA and phono inputs; Bluetooth",
        "Powered bookshelf speakers with a built-in phono stage, ready for a turntable, a TV or a computer."),
    product(17, "AC-USB-HUB", "USB-C 10-in-1 Docking Hub", "accessory", 129, 70, 12,
        "2x HDMI 4K60; DisplayPort; 3x USB-A 10 Gbps; USB-C 10 Gbps; SD and microSD; gigabit Ethernet; 100 W pass-through",
        "A laptop dock that adds three displays, Ethernet, card readers and pass-through charging over one cable."),
    product(18, "AC-CAM-BAG", "Trail Camera Backpack", "accessory", 149, 22, 56,
        "24 L; padded adjustable camera insert; 16 in laptop sleeve; rain cover; tripod straps",
        "A weather-resistant hiking backpack with a side-access camera compartment that fits a body and three lenses."),
    product(19, "AC-MON-ARM", "Dual Monitor Arm", "accessory", 179, 18, 160,
        "Two arms for 17-32 in screens, 2-9 kg each; gas spring; VESA 75/100; desk clamp and grommet mount",
        "A gas-spring arm that holds two monitors and frees the desk, with cable management along the arms."),
    product(20, "AC-PWR-140", "140W GaN USB-C Charger", "accessory", 99, 95, 10,
        "3x USB-C, 1x USB-A; 140 W PD 3.1 single port; GaN; foldable prongs",
        "A compact charger that powers a laptop, a phone and earbuds at once from one wall outlet."),
];

pub struct SeedCustomer {
    pub name: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
    pub street: &'static str,
    pub city: &'static str,
    pub state: &'static str,
    pub zip: &'static str,
}

const fn customer(
    name: &'static str,
    email: &'static str,
    phone: &'static str,
    street: &'static str,
    city: &'static str,
    state: &'static str,
    zip: &'static str,
) -> SeedCustomer {
    SeedCustomer {
        name,
        email,
        phone,
        street,
        city,
        state,
        zip,
    }
}

#[rustfmt::skip]
pub const CUSTOMERS: &[SeedCustomer] = &[
    customer("Maya Chen", "maya.chen@example.com", "+1-415-555-0142", "812 Valencia St", "San Francisco", "CA", "94103"),
    customer("James Okafor", "j.okafor@example.com", "+1-312-555-0187", "233 N Michigan Ave", "Chicago", "IL", "60601"),
    customer("Sofia Martinez", "sofia.m@example.com", "+1-512-555-0119", "1100 Congress Ave", "Austin", "TX", "78701"),
    customer("Liam O'Brien", "liam.obrien@example.com", "+1-617-555-0164", "45 School St", "Boston", "MA", "02108"),
    customer("Priya Raman", "priya.raman@example.com", "+1-206-555-0133", "1520 4th Ave", "Seattle", "WA", "98101"),
    customer("Noah Williams", "noah.w@example.com", "+1-303-555-0176", "1600 Glenarm Pl", "Denver", "CO", "80202"),
    customer("Emma Johansson", "emma.johansson@example.com", "+1-612-555-0128", "80 S 8th St", "Minneapolis", "MN", "55401"),
    customer("Diego Alvarez", "diego.alvarez@example.com", "+1-305-555-0191", "200 S Biscayne Blvd", "Miami", "FL", "33101"),
    customer("Hannah Kim", "hannah.kim@example.com", "+1-212-555-0155", "350 W 31st St", "New York", "NY", "10001"),
    customer("Oliver Grant", "oliver.grant@example.com", "+1-404-555-0110", "191 Peachtree St NE", "Atlanta", "GA", "30303"),
    customer("Aisha Bello", "aisha.bello@example.com", "+1-713-555-0147", "811 Main St", "Houston", "TX", "77002"),
    customer("Lucas Rossi", "lucas.rossi@example.com", "+1-503-555-0182", "1120 SW 5th Ave", "Portland", "OR", "97204"),
    customer("Grace Liu", "grace.liu@example.com", "+1-619-555-0138", "600 B St", "San Diego", "CA", "92101"),
    customer("Ethan Brooks", "ethan.brooks@example.com", "+1-615-555-0124", "505 Church St", "Nashville", "TN", "37203"),
    customer("Chloe Dubois", "chloe.dubois@example.com", "+1-215-555-0169", "1500 Market St", "Philadelphia", "PA", "19103"),
    customer("Mateo Silva", "mateo.silva@example.com", "+1-602-555-0151", "2 N Central Ave", "Phoenix", "AZ", "85004"),
    customer("Zoe Anderson", "zoe.anderson@example.com", "+1-704-555-0173", "101 S Tryon St", "Charlotte", "NC", "28202"),
    customer("Ryan Patel", "ryan.patel@example.com", "+1-702-555-0196", "400 S 4th St", "Las Vegas", "NV", "89101"),
    customer("Isabella Novak", "isabella.novak@example.com", "+1-313-555-0145", "1 Woodward Ave", "Detroit", "MI", "48226"),
    customer("Samuel Adeyemi", "samuel.adeyemi@example.com", "+1-202-555-0112", "1300 Pennsylvania Ave NW", "Washington", "DC", "20001"),
    customer("Ava Thompson", "ava.thompson@example.com", "+1-801-555-0167", "50 S Main St", "Salt Lake City", "UT", "84101"),
    customer("Benjamin Cohen", "ben.cohen@example.com", "+1-410-555-0139", "100 E Pratt St", "Baltimore", "MD", "21202"),
];

pub struct SeedOrder {
    pub id: i64,
    pub customer: usize,
    pub status: &'static str,
    pub created_days_ago: i64,
    pub delivered_days_ago: Option<i64>,
    /// (product id, quantity, unit price at purchase in dollars)
    pub lines: &'static [(i64, i64, i64)],
}

const fn order(
    id: i64,
    customer: usize,
    status: &'static str,
    created_days_ago: i64,
    delivered_days_ago: Option<i64>,
    lines: &'static [(i64, i64, i64)],
) -> SeedOrder {
    SeedOrder {
        id,
        customer,
        status,
        created_days_ago,
        delivered_days_ago,
        lines,
    }
}

pub use crate::commerce::{FLAT_SHIPPING, FREE_SHIPPING_FROM};

#[rustfmt::skip]
pub const ORDERS: &[SeedOrder] = &[
    // Delivered long ago: outside every return window. 1001 bought the 27" monitor before a price cut.
    order(1001, 0, "delivered", 95, Some(90), &[(7, 1, 349), (17, 1, 129)]),
    order(1002, 1, "delivered", 70, Some(60), &[(1, 1, 349)]),
    order(1003, 2, "delivered", 52, Some(45), &[(10, 1, 149), (20, 2, 99)]),
    order(1004, 3, "delivered", 42, Some(35), &[(13, 2, 129)]),
    // Delivered 15-30 days ago: cameras and monitors are past their 14 days, the rest still returnable.
    order(1005, 4, "delivered", 33, Some(28), &[(5, 1, 2199), (18, 1, 149)]),
    order(1006, 5, "delivered", 30, Some(25), &[(6, 1, 399), (20, 1, 99)]),
    order(1007, 6, "delivered", 26, Some(20), &[(12, 1, 249)]),
    order(1008, 7, "delivered", 22, Some(16), &[(8, 1, 649), (19, 1, 179)]),
    // Delivered within 14 days: everything returnable.
    order(1009, 8, "delivered", 17, Some(12), &[(9, 1, 899)]),
    order(1010, 9, "delivered", 15, Some(10), &[(7, 2, 329), (17, 1, 129)]),
    order(1011, 10, "delivered", 11, Some(6), &[(1, 1, 349), (2, 1, 199)]),
    order(1012, 0, "delivered", 7, Some(3), &[(15, 1, 799), (14, 1, 199)]),
    order(1013, 11, "shipped", 5, None, &[(3, 1, 169)]),
    order(1014, 12, "shipped", 4, None, &[(11, 1, 99)]),
    order(1015, 13, "shipped", 4, None, &[(16, 1, 449)]),
    order(1016, 14, "shipped", 3, None, &[(6, 1, 399), (18, 1, 149)]),
    order(1017, 15, "shipped", 3, None, &[(13, 1, 129), (17, 1, 129)]),
    order(1018, 1, "shipped", 2, None, &[(10, 2, 149)]),
    order(1019, 16, "processing", 2, None, &[(5, 1, 2199)]),
    order(1020, 17, "processing", 2, None, &[(14, 2, 199), (2, 1, 199)]),
    order(1021, 18, "processing", 1, None, &[(12, 1, 249), (19, 1, 179)]),
    order(1022, 19, "processing", 1, None, &[(8, 1, 649)]),
    order(1023, 3, "processing", 1, None, &[(1, 1, 349), (20, 1, 99)]),
    order(1024, 20, "pending", 0, None, &[(2, 2, 199)]),
    order(1025, 21, "pending", 0, None, &[(9, 1, 899), (19, 1, 179)]),
    order(1026, 5, "pending", 0, None, &[(11, 1, 99), (10, 1, 149), (17, 1, 129)]),
    order(1027, 7, "pending", 0, None, &[(15, 1, 799)]),
    order(1028, 11, "pending", 0, None, &[(3, 1, 169), (20, 1, 99)]),
    order(1029, 2, "cancelled", 20, None, &[(4, 1, 129)]),
    order(1030, 9, "cancelled", 9, None, &[(16, 1, 449)]),
];

pub struct SeedReturn {
    pub id: i64,
    pub order_id: i64,
    pub status: &'static str,
    pub reason: &'static str,
    pub requested_days_ago: i64,
    /// (product id, quantity)
    pub lines: &'static [(i64, i64)],
}

#[rustfmt::skip]
pub const RETURNS: &[SeedReturn] = &[
    SeedReturn { id: 1, order_id: 1011, status: "approved", reason: "Left ear cup crackles at high volume", requested_days_ago: 4, lines: &[(1, 1)] },
    SeedReturn { id: 2, order_id: 1010, status: "pending", reason: "Cluster of dead pixels near the centre of one monitor", requested_days_ago: 2, lines: &[(7, 1)] },
    SeedReturn { id: 3, order_id: 1007, status: "approved", reason: "Prefer a low-profile board after all", requested_days_ago: 12, lines: &[(12, 1)] },
    SeedReturn { id: 4, order_id: 1003, status: "rejected", reason: "Keyboard no longer needed (requested after the 30-day window)", requested_days_ago: 8, lines: &[(10, 1)] },
    SeedReturn { id: 5, order_id: 1006, status: "rejected", reason: "Camera footage too dark indoors (cameras have a 14-day window)", requested_days_ago: 5, lines: &[(6, 1)] },
];

pub struct SeedTicket {
    pub id: i64,
    pub customer: usize,
    pub order_id: Option<i64>,
    pub subject: &'static str,
    pub description: &'static str,
    pub category: &'static str,
    pub priority: &'static str,
    pub status: &'static str,
    pub team: Option<&'static str>,
    pub days_ago: i64,
}

#[allow(clippy::too_many_arguments)]
const fn ticket(
    id: i64,
    customer: usize,
    order_id: Option<i64>,
    subject: &'static str,
    description: &'static str,
    category: &'static str,
    priority: &'static str,
    status: &'static str,
    team: Option<&'static str>,
    days_ago: i64,
) -> SeedTicket {
    SeedTicket {
        id,
        customer,
        order_id,
        subject,
        description,
        category,
        priority,
        status,
        team,
        days_ago,
    }
}

#[rustfmt::skip]
pub const TICKETS: &[SeedTicket] = &[
    ticket(1, 10, Some(1011), "Headphones crackle in the left ear", "Crackling from the left cup above 70% volume, on every source.", "technical", "medium", "resolved", Some("Tier 2 Audio"), 5),
    ticket(2, 9, Some(1010), "Dead pixels on new monitor", "One of the two 27\" monitors has a cluster of dead pixels.", "returns", "high", "in_progress", Some("Returns Desk"), 2),
    ticket(3, 8, Some(1009), "Ultrawide flickers at 144 Hz", "Screen flickers at 144 Hz over HDMI; fine at 60 Hz.", "technical", "medium", "open", Some("Tier 2 Displays"), 3),
    ticket(4, 11, Some(1013), "Where is my order?", "Tracking has not updated for two days.", "shipping", "low", "open", Some("Logistics"), 1),
    ticket(5, 16, Some(1019), "Charged twice for the Lumen X1", "My card shows two charges of $2,199.00.", "billing", "urgent", "in_progress", Some("Billing"), 1),
    ticket(6, 4, Some(1005), "Camera battery drains overnight", "Battery drops from 100% to 40% while switched off.", "technical", "high", "open", Some("Tier 2 Imaging"), 6),
    ticket(7, 1, None, "Can I change my account email?", "I want to use my work email for future orders.", "account_management", "low", "resolved", Some("Tier 1 General"), 14),
    ticket(8, 20, Some(1024), "Add a second pair to my order", "Can I add one more pair of earbuds before it ships?", "orders", "medium", "open", Some("Tier 1 General"), 0),
    ticket(9, 6, Some(1007), "Refund not received yet", "Return was approved ten days ago, no refund on my card.", "billing", "high", "in_progress", Some("Billing"), 3),
    ticket(10, 13, None, "Does the soundbar support eARC passthrough?", "Will Dolby Atmos pass through from my TV apps?", "product_question", "low", "resolved", Some("Tier 2 Audio"), 9),
    ticket(11, 15, Some(1017), "Speaker arrived with a dented grille", "Box looked fine, grille dented on one side.", "returns", "medium", "open", Some("Returns Desk"), 1),
    ticket(12, 2, Some(1029), "Why was my order cancelled?", "The gaming headset order was cancelled without a reason.", "orders", "medium", "resolved", Some("Tier 1 General"), 19),
    ticket(13, 17, None, "Bluetooth pairing drops on Windows", "Keyboard disconnects every few minutes on Windows 11.", "technical", "medium", "open", Some("Tier 2 Peripherals"), 2),
    ticket(14, 7, Some(1008), "Monitor arm missing screws", "The VESA screw pack was not in the box.", "orders", "low", "resolved", Some("Logistics"), 15),
    ticket(15, 18, Some(1021), "Change shipping address", "I moved; please ship to my new address.", "shipping", "high", "open", None, 0),
    ticket(16, 21, Some(1025), "Lawyer letter about a late delivery", "Threatening legal action if the monitor is not delivered by Friday.", "shipping", "urgent", "open", Some("Escalations"), 0),
    ticket(17, 0, Some(1012), "Soundbar subwoofer will not pair", "The wireless sub blinks red and never connects.", "technical", "high", "in_progress", Some("Tier 2 Audio"), 2),
    ticket(18, 19, None, "Integration with my smart home", "Does the HomeSound speaker work with Home Assistant?", "integration", "low", "open", Some("Tier 1 General"), 4),
    ticket(19, 5, Some(1006), "Return rejected unfairly", "My camera return was refused; I want it reviewed.", "returns", "high", "open", Some("Returns Desk"), 4),
    ticket(20, 12, None, "Feature request: order by phone", "Please add the option to order by phone.", "feature_request", "low", "resolved", Some("Tier 1 General"), 21),
];

/// (ZIP, carrier zone 1-6 from the Ohio warehouse; 9 for Alaska and Hawaii)
#[rustfmt::skip]
pub const UPS_GROUND_ZIPS: &[(&str, i64)] = &[
    ("10001", 3), ("02108", 4), ("19103", 3), ("20001", 3), ("30303", 3), ("33101", 5), ("60601", 2),
    ("48226", 1), ("44113", 1), ("55401", 3), ("63101", 2), ("64105", 3), ("70112", 4), ("73102", 4),
    ("75201", 4), ("77002", 5), ("78701", 5), ("80202", 5), ("84101", 6), ("85004", 6), ("87102", 5),
    ("89101", 6), ("90012", 6), ("92101", 6), ("94103", 6), ("95814", 6), ("97204", 6), ("98101", 6),
    ("99501", 9), ("96813", 9), ("37203", 2), ("28202", 3), ("27601", 3), ("23219", 3), ("21202", 3),
    ("15222", 1), ("46204", 1), ("53202", 2), ("40202", 1), ("32801", 4),
];

pub struct SeedRate {
    pub carrier: &'static str,
    pub service: &'static str,
    pub zip: &'static str,
    pub base: Cents,
    pub per_lb: Cents,
    pub days: i64,
}

/// A service offered at a few ZIPs, priced relative to UPS Ground there.
struct OtherService {
    carrier: &'static str,
    service: &'static str,
    zips: &'static [&'static str],
    /// Base and per-lb rates in percent of UPS Ground's at the same ZIP.
    percent: i64,
    /// Fixed transit days, or `None` for one day faster than UPS Ground.
    days: Option<i64>,
}

const fn other(
    carrier: &'static str,
    service: &'static str,
    zips: &'static [&'static str],
    percent: i64,
    days: Option<i64>,
) -> OtherService {
    OtherService {
        carrier,
        service,
        zips,
        percent,
        days,
    }
}

#[rustfmt::skip]
const OTHER_SERVICES: &[OtherService] = &[
    other("USPS", "Priority Mail", &["10001", "60601", "94103", "78701", "98101", "30303", "80202", "02108"], 90, None),
    other("FedEx", "Ground", &["10001", "60601", "77002", "90012", "33101", "48226"], 105, None),
    other("FedEx", "2Day", &["10001", "94103", "60601", "75201"], 210, Some(2)),
    other("UPS", "Next Day Air", &["10001", "60601", "94103", "98101"], 340, Some(1)),
    other("DHL", "Express", &["10001", "90012", "33101"], 290, Some(2)),
    other("LaserShip", "Standard", &["10001", "02108"], 80, Some(2)),
    other("OnTrac", "Ground", &["90012", "94103"], 85, Some(2)),
];

fn ground_rate(zone: i64) -> (Cents, Cents, i64) {
    if zone >= 9 {
        (Cents(2_495), Cents(189), 7)
    } else {
        (
            Cents(695 + zone * 110),
            Cents(45 + zone * 12),
            (1 + zone).min(6),
        )
    }
}

/// Every shipping rate: UPS Ground at 40 ZIPs plus faster or regional services at a few.
pub fn shipping_rates() -> Vec<SeedRate> {
    let mut rates: Vec<SeedRate> = UPS_GROUND_ZIPS
        .iter()
        .map(|(zip, zone)| {
            let (base, per_lb, days) = ground_rate(*zone);
            SeedRate {
                carrier: "UPS",
                service: "Ground",
                zip,
                base,
                per_lb,
                days,
            }
        })
        .collect();
    for OtherService {
        carrier,
        service,
        zips,
        percent,
        days: fixed_days,
    } in OTHER_SERVICES
    {
        for zip in *zips {
            let zone = UPS_GROUND_ZIPS
                .iter()
                .find(|(z, _)| z == zip)
                .map_or(5, |(_, zone)| *zone);
            let (base, per_lb, days) = ground_rate(zone);
            rates.push(SeedRate {
                carrier,
                service,
                zip,
                base: Cents(base.0 * percent / 100),
                per_lb: Cents(per_lb.0 * percent / 100),
                days: fixed_days.unwrap_or((days - 1).max(1)),
            });
        }
    }
    rates
}
