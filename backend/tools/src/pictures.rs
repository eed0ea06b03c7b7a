//! The demo catalog's product pictures, drawn here shape by shape (nothing is copied from
//! elsewhere): one picture per product set (the registry's subgroup), a jar of honey, a
//! bottle of fish sauce, a cup of tea, a sack of rice… Seeding passes each through the real
//! photo pipeline once and gives it to every demo listing of its set.

/// Width and height of a drawn picture.
pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 480;

type Rgb = [u8; 3];

/// A filled shape, in picture coordinates.
#[derive(Clone, Copy)]
enum Shape {
    Rect {
        x0: f32,
        y0: f32,
        x1: f32,
        y1: f32,
    },
    Ellipse {
        cx: f32,
        cy: f32,
        rx: f32,
        ry: f32,
    },
    /// A triangle pointing up (`apex` above the base from `x0` to `x1` at `base`).
    Peak {
        x0: f32,
        x1: f32,
        base: f32,
        apex_x: f32,
        apex_y: f32,
    },
}

impl Shape {
    fn contains(self, x: f32, y: f32) -> bool {
        match self {
            Self::Rect { x0, y0, x1, y1 } => x >= x0 && x <= x1 && y >= y0 && y <= y1,
            Self::Ellipse { cx, cy, rx, ry } => {
                let (dx, dy) = ((x - cx) / rx, (y - cy) / ry);
                dx * dx + dy * dy <= 1.0
            }
            Self::Peak {
                x0,
                x1,
                base,
                apex_x,
                apex_y,
            } => {
                if y > base || y < apex_y {
                    return false;
                }
                let t = (y - apex_y) / (base - apex_y);
                let left = apex_x + (x0 - apex_x) * t;
                let right = apex_x + (x1 - apex_x) * t;
                x >= left && x <= right
            }
        }
    }
}

fn rect(x0: f32, y0: f32, x1: f32, y1: f32, c: Rgb) -> (Shape, Rgb) {
    (Shape::Rect { x0, y0, x1, y1 }, c)
}

fn ellipse(cx: f32, cy: f32, rx: f32, ry: f32, c: Rgb) -> (Shape, Rgb) {
    (Shape::Ellipse { cx, cy, rx, ry }, c)
}

fn circle(cx: f32, cy: f32, r: f32, c: Rgb) -> (Shape, Rgb) {
    ellipse(cx, cy, r, r, c)
}

fn peak(x0: f32, x1: f32, base: f32, apex_x: f32, apex_y: f32, c: Rgb) -> (Shape, Rgb) {
    (
        Shape::Peak {
            x0,
            x1,
            base,
            apex_x,
            apex_y,
        },
        c,
    )
}

/// What stands on the table in a picture.
#[derive(Clone, Copy)]
enum Object {
    Jar { glass: Rgb, lid: Rgb },
    Bottle { glass: Rgb, tall: bool },
    Cup { drink: Rgb },
    Sack { cloth: Rgb },
    Fruits { skin: Rgb },
    Fish { skin: Rgb },
    Cakes { dough: Rgb },
    Basket { weave: Rgb },
    Cloth { dye: Rgb },
    Pot { bloom: Rgb },
    Bird { feather: Rgb },
    Landscape,
    Parcel { paper: Rgb },
}

/// The object and the wall colour of each product set.
fn object_of(subgroup: &str) -> (Object, Rgb) {
    use Object::*;
    match subgroup {
        "fresh-produce" => (
            Fruits {
                skin: [236, 140, 30],
            },
            [250, 240, 215],
        ),
        "fresh-meat-seafood" => (
            Fish {
                skin: [120, 150, 170],
            },
            [210, 230, 240],
        ),
        "rice-grains" => (
            Sack {
                cloth: [225, 205, 160],
            },
            [240, 235, 220],
        ),
        "processed-rice-grains" => (
            Cakes {
                dough: [245, 242, 230],
            },
            [215, 235, 205],
        ),
        "processed-fruit-veg" => (
            Jar {
                glass: [150, 190, 90],
                lid: [200, 60, 50],
            },
            [245, 240, 225],
        ),
        "processed-meat-seafood" => (
            Cakes {
                dough: [205, 120, 90],
            },
            [225, 240, 215],
        ),
        "honey-other-raw" => (
            Jar {
                glass: [225, 160, 40],
                lid: [120, 80, 40],
            },
            [250, 238, 205],
        ),
        "fast-food" => (
            Parcel {
                paper: [220, 90, 60],
            },
            [250, 235, 220],
        ),
        "sauces-fish-sauce" => (
            Bottle {
                glass: [150, 85, 35],
                tall: true,
            },
            [240, 230, 215],
        ),
        "other-condiments" => (
            Jar {
                glass: [200, 50, 40],
                lid: [60, 60, 60],
            },
            [250, 235, 225],
        ),
        "tea" => (
            Cup {
                drink: [130, 165, 60],
            },
            [220, 238, 215],
        ),
        "herbal-infusions" => (
            Cup {
                drink: [215, 170, 60],
            },
            [240, 238, 210],
        ),
        "coffee-cocoa" => (
            Cup {
                drink: [95, 60, 35],
            },
            [235, 222, 205],
        ),
        "white-liquor" => (
            Bottle {
                glass: [215, 230, 235],
                tall: true,
            },
            [225, 220, 235],
        ),
        "other-alcoholic" => (
            Bottle {
                glass: [110, 30, 60],
                tall: true,
            },
            [240, 225, 230],
        ),
        "bottled-water" | "other-non-alcoholic" => (
            Bottle {
                glass: [90, 160, 210],
                tall: false,
            },
            [225, 240, 248],
        ),
        "functional-medicinal" | "essential-oils-herbs" => (
            Bottle {
                glass: [60, 110, 70],
                tall: false,
            },
            [230, 242, 230],
        ),
        "herbal-cosmetics" => (
            Bottle {
                glass: [235, 200, 210],
                tall: false,
            },
            [245, 235, 240],
        ),
        "craft-household-decor" => (
            Basket {
                weave: [190, 140, 80],
            },
            [240, 232, 215],
        ),
        "textiles-garments" => (Cloth { dye: [50, 80, 150] }, [238, 236, 230]),
        "flowers" | "ornamental-plants" => (
            Pot {
                bloom: [225, 80, 120],
            },
            [235, 245, 230],
        ),
        "ornamental-animals" => (
            Bird {
                feather: [60, 140, 200],
            },
            [230, 242, 250],
        ),
        "community-eco-tourism" => (Landscape, [190, 220, 245]),
        _ => (
            Parcel {
                paper: [160, 120, 80],
            },
            [240, 236, 228],
        ),
    }
}

fn darker(c: Rgb, by: u8) -> Rgb {
    c.map(|v| v.saturating_sub(by))
}

fn lighter(c: Rgb, by: u8) -> Rgb {
    c.map(|v| v.saturating_add(by))
}

/// The shapes of an object standing on a table whose top is at y = 360, drawn in order.
fn shapes(object: Object) -> Vec<(Shape, Rgb)> {
    const LABEL: Rgb = [250, 248, 240];
    const GREEN: Rgb = [70, 140, 70];
    match object {
        Object::Jar { glass, lid } => vec![
            ellipse(320.0, 370.0, 110.0, 14.0, [150, 130, 110]),
            rect(220.0, 170.0, 420.0, 370.0, glass),
            ellipse(320.0, 370.0, 100.0, 10.0, darker(glass, 30)),
            rect(240.0, 180.0, 262.0, 350.0, lighter(glass, 50)),
            rect(230.0, 130.0, 410.0, 175.0, lid),
            rect(250.0, 230.0, 390.0, 310.0, LABEL),
            rect(270.0, 255.0, 370.0, 265.0, GREEN),
            rect(270.0, 275.0, 350.0, 283.0, darker(LABEL, 90)),
        ],
        Object::Bottle { glass, tall } => {
            let top = if tall { 60.0 } else { 150.0 };
            let shoulder = if tall { 190.0 } else { 220.0 };
            vec![
                ellipse(320.0, 372.0, 90.0, 12.0, [150, 130, 110]),
                rect(255.0, shoulder, 385.0, 370.0, glass),
                ellipse(320.0, shoulder, 65.0, 40.0, glass),
                rect(300.0, top, 340.0, shoulder, glass),
                rect(296.0, top - 25.0, 344.0, top + 5.0, [180, 40, 40]),
                rect(268.0, shoulder + 20.0, 284.0, 350.0, lighter(glass, 60)),
                rect(270.0, 260.0, 370.0, 330.0, LABEL),
                rect(285.0, 285.0, 355.0, 295.0, darker(glass, 20)),
            ]
        }
        Object::Cup { drink } => vec![
            ellipse(320.0, 365.0, 170.0, 24.0, [235, 235, 230]),
            rect(230.0, 240.0, 410.0, 355.0, [250, 250, 248]),
            ellipse(320.0, 355.0, 90.0, 14.0, [250, 250, 248]),
            ellipse(320.0, 240.0, 90.0, 20.0, darker(drink, 10)),
            ellipse(320.0, 240.0, 80.0, 15.0, drink),
            ellipse(430.0, 290.0, 32.0, 36.0, [250, 250, 248]),
            ellipse(430.0, 290.0, 16.0, 20.0, [235, 235, 230]),
            ellipse(150.0, 330.0, 40.0, 16.0, GREEN),
            ellipse(500.0, 340.0, 36.0, 14.0, darker(GREEN, 20)),
        ],
        Object::Sack { cloth } => vec![
            ellipse(320.0, 372.0, 150.0, 16.0, [150, 130, 110]),
            ellipse(320.0, 290.0, 140.0, 95.0, cloth),
            rect(200.0, 190.0, 440.0, 300.0, cloth),
            ellipse(320.0, 180.0, 110.0, 30.0, lighter(cloth, 20)),
            ellipse(320.0, 180.0, 90.0, 20.0, [250, 248, 235]),
            rect(250.0, 250.0, 390.0, 310.0, darker(cloth, 60)),
            ellipse(290.0, 178.0, 8.0, 4.0, [215, 200, 160]),
            ellipse(330.0, 184.0, 8.0, 4.0, [215, 200, 160]),
        ],
        Object::Fruits { skin } => vec![
            ellipse(320.0, 372.0, 200.0, 18.0, [170, 140, 100]),
            circle(240.0, 300.0, 70.0, skin),
            circle(400.0, 300.0, 70.0, darker(skin, 15)),
            circle(320.0, 240.0, 70.0, lighter(skin, 10)),
            circle(300.0, 215.0, 14.0, lighter(skin, 60)),
            ellipse(345.0, 165.0, 35.0, 14.0, GREEN),
        ],
        Object::Fish { skin } => vec![
            ellipse(320.0, 360.0, 230.0, 30.0, [240, 240, 245]),
            ellipse(300.0, 300.0, 160.0, 60.0, skin),
            peak(430.0, 530.0, 340.0, 470.0, 250.0, darker(skin, 20)),
            circle(190.0, 290.0, 12.0, [250, 250, 250]),
            circle(190.0, 290.0, 6.0, [20, 20, 20]),
            rect(260.0, 280.0, 400.0, 286.0, lighter(skin, 40)),
        ],
        Object::Cakes { dough } => vec![
            ellipse(320.0, 350.0, 230.0, 60.0, [120, 160, 70]),
            circle(230.0, 300.0, 60.0, dough),
            circle(330.0, 320.0, 60.0, darker(dough, 12)),
            circle(420.0, 290.0, 60.0, dough),
            circle(320.0, 250.0, 60.0, lighter(dough, 8)),
            rect(316.0, 195.0, 324.0, 305.0, darker(dough, 40)),
        ],
        Object::Basket { weave } => {
            let mut v = vec![
                ellipse(320.0, 372.0, 170.0, 16.0, [150, 130, 110]),
                ellipse(320.0, 230.0, 170.0, 30.0, darker(weave, 40)),
            ];
            for i in 0..6 {
                let y = 230.0 + i as f32 * 22.0;
                let c = if i % 2 == 0 { weave } else { darker(weave, 25) };
                v.push(rect(
                    150.0 + i as f32 * 8.0,
                    y,
                    490.0 - i as f32 * 8.0,
                    y + 22.0,
                    c,
                ));
            }
            v.push(ellipse(320.0, 230.0, 150.0, 20.0, darker(weave, 70)));
            v
        }
        Object::Cloth { dye } => {
            let mut v = vec![ellipse(320.0, 372.0, 200.0, 14.0, [150, 130, 110])];
            for i in 0..4 {
                let y = 200.0 + i as f32 * 40.0;
                let c = if i % 2 == 0 { dye } else { lighter(dye, 70) };
                v.push(rect(150.0, y, 490.0, y + 40.0, c));
                v.push(rect(150.0, y + 17.0, 490.0, y + 23.0, [230, 190, 60]));
            }
            v
        }
        Object::Pot { bloom } => vec![
            ellipse(320.0, 372.0, 110.0, 12.0, [150, 130, 110]),
            peak(230.0, 410.0, 370.0, 320.0, -200.0, [185, 95, 60]),
            rect(220.0, 260.0, 420.0, 290.0, [160, 80, 50]),
            rect(316.0, 140.0, 324.0, 260.0, GREEN),
            ellipse(270.0, 210.0, 40.0, 14.0, GREEN),
            ellipse(370.0, 190.0, 40.0, 14.0, GREEN),
            circle(320.0, 120.0, 45.0, bloom),
            circle(320.0, 120.0, 16.0, [250, 210, 80]),
        ],
        Object::Bird { feather } => vec![
            rect(120.0, 330.0, 520.0, 342.0, [120, 80, 50]),
            ellipse(320.0, 260.0, 90.0, 70.0, feather),
            circle(390.0, 200.0, 45.0, feather),
            peak(430.0, 445.0, 212.0, 470.0, 195.0, [240, 170, 40]),
            circle(400.0, 190.0, 8.0, [20, 20, 20]),
            ellipse(290.0, 250.0, 60.0, 35.0, darker(feather, 40)),
            peak(200.0, 260.0, 330.0, 190.0, 300.0, darker(feather, 40)),
        ],
        Object::Landscape => vec![
            circle(480.0, 110.0, 45.0, [250, 210, 90]),
            peak(60.0, 420.0, 380.0, 220.0, 150.0, [90, 130, 100]),
            peak(250.0, 620.0, 380.0, 440.0, 180.0, [70, 115, 85]),
            rect(0.0, 360.0, 640.0, 480.0, [80, 150, 200]),
            ellipse(320.0, 400.0, 70.0, 12.0, [140, 90, 50]),
        ],
        Object::Parcel { paper } => vec![
            ellipse(320.0, 372.0, 150.0, 14.0, [150, 130, 110]),
            rect(190.0, 200.0, 450.0, 368.0, paper),
            rect(190.0, 200.0, 450.0, 230.0, darker(paper, 30)),
            rect(310.0, 200.0, 330.0, 368.0, [250, 235, 150]),
            rect(230.0, 280.0, 290.0, 330.0, LABEL),
        ],
    }
}

/// The picture of a product set as RGB pixels: a wall, a table, the object.
pub fn draw(subgroup: &str) -> image::RgbImage {
    let (object, wall) = object_of(subgroup);
    let layers = shapes(object);
    image::RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
        let mut colour = if fy < 360.0 {
            // A soft light from the top.
            lighter(wall, ((360.0 - fy) / 24.0) as u8)
        } else {
            darker([205, 170, 125], ((fy - 360.0) / 6.0) as u8)
        };
        for (shape, c) in &layers {
            if shape.contains(fx, fy) {
                colour = *c;
            }
        }
        image::Rgb(colour)
    })
}

/// [`draw`] as a JPEG twice as large (1280 × 960, smoothed), ready for the photo pipeline:
/// large enough for its 800 px size, which phones' cards and product pages ask for.
pub fn jpeg(subgroup: &str) -> anyhow::Result<Vec<u8>> {
    encode(&image::imageops::resize(
        &draw(subgroup),
        WIDTH * 2,
        HEIGHT * 2,
        image::imageops::FilterType::Triangle,
    ))
}

/// Any drawn picture as a JPEG.
pub fn encode(picture: &image::RgbImage) -> anyhow::Result<Vec<u8>> {
    use anyhow::Context;
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode_image(picture)
        .context("encoding a demo picture")?;
    Ok(jpeg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_product_set_has_its_own_picture() {
        let honey = draw("honey-other-raw");
        let tea = draw("tea");
        assert_eq!(honey.dimensions(), (WIDTH, HEIGHT));
        assert_ne!(honey.as_raw(), tea.as_raw());
        // The honey jar's amber glass stands in the middle.
        assert_eq!(honey.get_pixel(330, 340).0, [225, 160, 40]);
    }

    #[test]
    fn pictures_encode_as_jpeg() {
        let bytes = jpeg("rice-grains").expect("a jpeg");
        assert_eq!(&bytes[..2], &[0xFF, 0xD8]);
    }
}
