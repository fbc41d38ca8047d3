"""What the demo's firms make and what its buyers need: ISIC classes with Spanish vocabulary.

Six buyer industries (mining, agroindustry, forestry, salmon farming, retail, construction) each
buy from a weighted list of supplier ISIC classes; general services supply every industry. Firm
products and need descriptions draw on the same phrases, so their text overlap means something.
Every code here is checked against the graph's ISIC reference data before generation.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SupplierClass:
    """An ISIC class that local suppliers operate in, with the words its firms and needs use."""

    code: str
    kind: str  # "bien" (goods) or "servicio" (service): decides how a need is titled
    words: tuple[str, ...]  # business words that start firm names ("Maestranza", "Transportes")
    products: tuple[str, ...]  # product or service phrases, in Spanish
    certifications: tuple[str, ...] = ()  # catalog codes relevant to the class
    cooperative: str = "de Trabajo"  # "Cooperativa {cooperative} ..." when firms of this class associate


def _c(code, kind, words, products, certifications=(), cooperative="de Trabajo") -> SupplierClass:
    return SupplierClass(code, kind, tuple(words), tuple(products), tuple(certifications), cooperative)


SUPPLIER_CLASSES: dict[str, SupplierClass] = {c.code: c for c in (
    # -- agriculture, forestry and fishing
    _c("0113", "bien", ["Agrícola", "Hortícola", "Huerta"],
       ["hortalizas de temporada", "tomates y pimentones", "lechugas hidropónicas", "papas y cebollas",
        "zapallos y choclos", "verduras frescas lavadas"], ["BPA", "GLOBALGAP", "ORGANICO_SAG"], "Campesina"),
    _c("0121", "bien", ["Agrícola", "Viñedos", "Parronales"],
       ["uva de mesa", "uva vinífera", "uva pisquera", "uva para exportación"], ["BPA", "GLOBALGAP"], "Campesina"),
    _c("0124", "bien", ["Agrícola", "Frutícola", "Huertos"],
       ["cerezas de exportación", "manzanas y peras", "ciruelas y duraznos", "fruta fresca de carozo",
        "kiwis y nectarines"], ["BPA", "GLOBALGAP", "FAIRTRADE"], "Agrícola"),
    _c("0125", "bien", ["Agrícola", "Berries", "Frutícola"],
       ["arándanos frescos", "frambuesas y moras", "nueces y almendras", "avellanas europeas",
        "frutillas de temporada"], ["BPA", "GLOBALGAP", "ORGANICO_SAG"], "Campesina"),
    _c("0146", "bien", ["Avícola", "Granja", "Huevos"],
       ["huevos de campo", "huevos de gallina libre", "pollos de campo"], ["BPA", "BPM"], "Campesina"),
    _c("0161", "servicio", ["Servicios Agrícolas", "Agroservicios", "Agrícola"],
       ["poda y raleo de frutales", "cosecha de fruta", "aplicación de fitosanitarios",
        "preparación de suelos", "mano de obra agrícola de temporada", "manejo de riego tecnificado"],
       ["BPA"], "Campesina"),
    _c("0163", "servicio", ["Packing", "Servicios de Postcosecha", "Frutícola"],
       ["embalaje de fruta fresca", "selección y calibrado de fruta", "packing de cerezas",
        "servicio de postcosecha"], ["BPA", "HACCP", "BPM"], "Agrícola"),
    _c("0210", "bien", ["Vivero Forestal", "Forestal", "Silvícola"],
       ["plantas de pino y eucalipto", "plantas nativas para reforestación", "servicio de plantación forestal",
        "manejo de bosque nativo"], ["ISO14001"], "Campesina"),
    _c("0220", "servicio", ["Forestal", "Faenas Forestales", "Cosecha Forestal"],
       ["cosecha forestal", "volteo y trozado de madera", "madereo con skidder", "extracción de leña certificada"],
       ["ISO45001", "ISO14001"]),
    _c("0240", "servicio", ["Servicios Forestales", "Forestal", "Brigadas"],
       ["prevención y combate de incendios forestales", "construcción de cortafuegos", "inventario forestal",
        "control de malezas en plantaciones", "mantención de caminos forestales"], ["ISO45001", "ISO14001"]),
    _c("0311", "bien", ["Pesquera", "Pesca Artesanal", "Productos del Mar"],
       ["pescado fresco", "merluza y reineta", "mariscos frescos", "algas pardas", "jaibas y locos"],
       ["HACCP"], "de Pescadores Artesanales"),
    _c("0321", "bien", ["Acuícola", "Cultivos Marinos", "Mitilicultora"],
       ["choritos y mejillones", "cultivo de ostras", "semillas de mitílidos", "cultivo de algas"],
       ["HACCP", "ISO14001"], "de Pescadores Artesanales"),
    _c("0810", "bien", ["Áridos", "Extracción de Áridos", "Canteras"],
       ["áridos y gravilla", "arena para construcción", "ripio y base estabilizada", "piedra chancada"],
       ["ISO14001"]),
    # -- food and drink
    _c("1010", "bien", ["Cecinas", "Carnes", "Faenadora"],
       ["cecinas artesanales", "longanizas y chorizos", "carne de cerdo", "cortes de vacuno envasados"],
       ["HACCP", "BPM"]),
    _c("1020", "servicio", ["Procesadora", "Productos del Mar", "Conservas"],
       ["procesamiento de pescados y mariscos", "filete de salmón congelado", "conservas de mariscos",
        "ahumados de pescado"], ["HACCP", "BPM", "ISO22000"], "de Pescadores Artesanales"),
    _c("1030", "bien", ["Conservas", "Deshidratados", "Agroindustrial"],
       ["mermeladas artesanales", "fruta deshidratada", "tomate triturado", "pulpa de fruta congelada",
        "conservas de verduras"], ["HACCP", "BPM", "ORGANICO_SAG"], "Campesina"),
    _c("1050", "bien", ["Lácteos", "Quesería", "Lechería"],
       ["quesos artesanales", "yogur natural", "quesillo fresco", "manjar casero", "leche pasteurizada"],
       ["HACCP", "BPM"], "Agrícola y Lechera"),
    _c("1061", "bien", ["Molino", "Harinas"], ["harina de trigo", "harina tostada", "sémola y avena"],
       ["BPM"], "Campesina"),
    _c("1071", "bien", ["Panadería", "Pastelería", "Amasandería"],
       ["pan amasado", "hallullas y marraquetas", "kuchenes y tortas", "empanadas de horno",
        "galletas artesanales"], ["BPM", "HACCP"]),
    _c("1073", "bien", ["Chocolatería", "Dulces", "Confites"],
       ["chocolates artesanales", "alfajores", "dulces chilenos", "calugas y turrones"], ["BPM"]),
    _c("1075", "bien", ["Cocina", "Comidas Preparadas", "Banquetería"],
       ["comidas preparadas congeladas", "colaciones envasadas", "platos de comida casera",
        "sándwiches y ensaladas"], ["HACCP", "BPM"]),
    _c("1079", "bien", ["Apícola", "Productos Naturales", "Delicias"],
       ["miel de ulmo", "propóleo y polen", "té e hierbas medicinales", "merkén y condimentos",
        "aceite de oliva"], ["BPM", "ORGANICO_SAG"], "Apícola"),
    _c("1080", "bien", ["Alimentos", "Forrajes"], ["alimento para peces", "alimento para animales",
                                                   "fardos de alfalfa"], ["BPM"], "Campesina"),
    _c("1101", "bien", ["Destilería", "Pisquera"], ["pisco artesanal", "licores de frutas", "destilados"],
       ["BPM"], "Pisquera"),
    _c("1102", "bien", ["Viña", "Vinos", "Bodega"], ["vino embotellado", "vino a granel", "vino orgánico",
                                                    "espumantes"], ["BPM", "ORGANICO_SAG"], "Vitivinícola"),
    _c("1104", "bien", ["Bebidas", "Aguas", "Jugos"], ["jugos naturales", "agua purificada en bidones",
                                                      "bebidas artesanales", "kombucha"], ["BPM", "HACCP"]),
    # -- textiles, wood and paper
    _c("1392", "bien", ["Textiles", "Confecciones"], ["mantas y ropa de cama", "textiles para el hogar",
                                                      "sacos y bolsas de tela"], [], "de Artesanas"),
    _c("1394", "bien", ["Redes", "Cordelería", "Textil Marina"],
       ["redes para cultivos marinos", "reparación de redes loberas", "cabos y cuerdas", "mallas de cultivo"],
       ["ISO9001"]),
    _c("1410", "bien", ["Confecciones", "Textil", "Vestuario"],
       ["ropa de trabajo", "overoles y parkas", "uniformes corporativos", "ropa ignífuga",
        "vestuario de alta visibilidad", "tejidos de lana"], ["ISO9001"], "de Artesanas"),
    _c("1610", "bien", ["Aserradero", "Maderas", "Barraca"],
       ["madera aserrada", "madera dimensionada", "tablas y vigas de pino", "madera impregnada"],
       ["ISO14001"]),
    _c("1622", "bien", ["Carpintería", "Mueblería", "Puertas y Ventanas"],
       ["puertas y ventanas de madera", "carpintería de terminaciones", "cerchas de madera",
        "closets y muebles de cocina"], ["ISO9001"]),
    _c("1623", "bien", ["Pallets", "Envases de Madera", "Maderas"],
       ["pallets de madera", "bins cosecheros", "cajones de madera", "embalajes de madera"], ["ISO9001"]),
    _c("1629", "bien", ["Artesanía", "Taller", "Maderas"],
       ["artesanía en madera", "tablas de picar", "cestería en mimbre", "souvenirs en madera nativa"],
       [], "de Artesanos"),
    _c("1702", "bien", ["Cartonajes", "Envases", "Embalajes"],
       ["cajas de cartón corrugado", "envases de cartón para fruta", "separadores de cartón"], ["ISO9001"]),
    _c("1811", "servicio", ["Imprenta", "Gráfica", "Impresos"],
       ["impresión de etiquetas", "folletería y señalética", "impresión de formularios", "gigantografías"], []),
    # -- chemicals, plastics, minerals, metal
    _c("2012", "bien", ["Compost", "Fertilizantes", "Abonos"],
       ["compost y humus de lombriz", "fertilizantes orgánicos", "bioestimulantes"], ["ORGANICO_SAG"],
       "Campesina"),
    _c("2023", "bien", ["Jabones", "Cosmética Natural", "Químicos de Limpieza"],
       ["jabones artesanales", "cosmética natural", "productos de limpieza", "detergentes biodegradables"],
       ["BPM"], "de Artesanas"),
    _c("2220", "bien", ["Plásticos", "Envases Plásticos"],
       ["envases plásticos", "bolsas y film plástico", "boyas y flotadores", "piezas de plástico inyectado"],
       ["ISO9001"]),
    _c("2392", "bien", ["Ladrillos", "Cerámica"], ["ladrillos artesanales", "ladrillos princesa",
                                                    "tejas de arcilla"], []),
    _c("2395", "bien", ["Hormigones", "Prefabricados"],
       ["bloques de hormigón", "adocretos y soleras", "postes de hormigón", "prefabricados de hormigón"],
       ["ISO9001"]),
    _c("2511", "bien", ["Maestranza", "Estructuras Metálicas", "Metalúrgica"],
       ["estructuras metálicas", "maestranza y soldadura", "galpones metálicos", "barandas y escaleras de acero",
        "fabricación de piezas de acero", "soportes para correas transportadoras"], ["ISO9001", "ISO45001"]),
    _c("2592", "servicio", ["Tornería", "Mecanizado", "Maestranza"],
       ["mecanizado de piezas", "tornería industrial", "recuperación de ejes", "fabricación de repuestos"],
       ["ISO9001"]),
    _c("2599", "bien", ["Metalúrgica", "Herrería"], ["herrería artesanal", "cerrajería y rejas",
                                                      "productos de acero inoxidable"], ["ISO9001"]),
    # -- repair, installation, boats
    _c("3011", "bien", ["Astillero", "Carpintería de Ribera"],
       ["construcción de embarcaciones", "pontones y plataformas flotantes", "lanchas de fibra de vidrio"],
       ["ISO9001"]),
    _c("3100", "bien", ["Mueblería", "Muebles"], ["muebles de madera", "muebles de oficina",
                                                  "muebles para locales"], []),
    _c("3312", "servicio", ["Servicios Industriales", "Mantención Industrial", "Maestranza"],
       ["mantención de maquinaria", "reparación de bombas", "reparación de equipos hidráulicos",
        "mantención de tractores", "reparación de motores", "mantención preventiva de equipos"],
       ["ISO9001", "ISO45001"]),
    _c("3314", "servicio", ["Electromecánica", "Bobinados"],
       ["reparación de motores eléctricos", "bobinado de motores", "mantención de tableros eléctricos"],
       ["ISO9001", "ISO45001"]),
    _c("3315", "servicio", ["Astillero", "Servicios Navales"],
       ["reparación de embarcaciones", "mantención de motores marinos", "carena de lanchas"],
       ["ISO45001"]),
    _c("3320", "servicio", ["Montajes Industriales", "Instalaciones"],
       ["montaje de equipos industriales", "instalación de sistemas de alimentación",
        "montaje de cintas transportadoras"],
       ["ISO9001", "ISO45001"]),
    # -- waste, construction
    _c("3821", "servicio", ["Reciclaje", "Gestión de Residuos"],
       ["retiro de residuos domiciliarios", "reciclaje de cartón y plástico", "compostaje de residuos orgánicos"],
       ["ISO14001", "APL"], "de Recicladores"),
    _c("3822", "servicio", ["Gestión Ambiental", "Residuos Industriales"],
       ["retiro de residuos peligrosos", "disposición de aceites usados", "manejo de residuos industriales"],
       ["ISO14001", "APL"]),
    _c("4312", "servicio", ["Movimiento de Tierra", "Excavaciones"],
       ["movimiento de tierra", "excavaciones y zanjas", "nivelación de terrenos", "arriendo de retroexcavadora"],
       ["ISO45001"]),
    _c("4321", "servicio", ["Instalaciones Eléctricas", "Electricidad"],
       ["instalaciones eléctricas", "mantención eléctrica industrial", "iluminación led",
        "instalación de paneles solares"], ["ISO9001", "ISO45001"]),
    _c("4322", "servicio", ["Gasfitería", "Climatización", "Instalaciones Sanitarias"],
       ["gasfitería y alcantarillado", "instalaciones sanitarias", "climatización y calefacción",
        "redes de agua potable"], ["ISO45001"]),
    _c("4330", "servicio", ["Terminaciones", "Construcciones", "Pinturas"],
       ["pintura de interiores y exteriores", "terminaciones de obra", "instalación de cerámicos",
        "tabiquería y cielos", "revestimientos"], ["ISO45001"]),
    _c("4390", "servicio", ["Construcciones", "Obras Civiles"],
       ["obras menores de construcción", "techumbres y hojalatería", "radieres y pavimentos",
        "cierres perimetrales"], ["ISO9001", "ISO45001"]),
    # -- trade, transport, hospitality
    _c("4520", "servicio", ["Taller Mecánico", "Automotriz", "Servicio Automotriz"],
       ["mantención de camionetas", "reparación de vehículos pesados", "vulcanización", "mantención de flota"],
       ["ISO9001"]),
    _c("4630", "bien", ["Distribuidora", "Comercial"], ["abarrotes al por mayor", "distribución de alimentos",
                                                        "frutas y verduras al por mayor"], ["BPM"]),
    _c("4653", "bien", ["Agroinsumos", "Comercial Agrícola"],
       ["insumos agrícolas", "repuestos de maquinaria agrícola", "materiales de riego"], []),
    _c("4659", "bien", ["Comercial", "Suministros Industriales"],
       ["elementos de protección personal", "suministros industriales", "repuestos para equipos mineros",
        "mangueras y conexiones hidráulicas"], ["ISO9001"]),
    _c("4663", "bien", ["Ferretería", "Materiales de Construcción"],
       ["materiales de construcción", "ferretería industrial", "cemento y fierro", "pinturas y solventes"], []),
    _c("4923", "servicio", ["Transportes", "Fletes", "Logística"],
       ["transporte de carga", "fletes refrigerados", "transporte de personal", "distribución de mercadería",
        "transporte de áridos", "camiones aljibe"], ["ISO9001", "ISO45001"]),
    _c("5012", "servicio", ["Transportes Marítimos", "Naviera"],
       ["transporte marítimo de carga", "traslado de personal a centros de cultivo", "servicio de lanchas"],
       ["ISO45001"]),
    _c("5210", "servicio", ["Frigorífico", "Bodegaje"],
       ["almacenaje en frío", "bodegaje de mercadería", "túneles de congelado"], ["HACCP", "BPM"]),
    _c("5510", "servicio", ["Hostal", "Cabañas", "Alojamiento"],
       ["alojamiento para trabajadores", "hospedaje", "cabañas"], []),
    _c("5610", "servicio", ["Restaurante", "Cocinería", "Sabores"],
       ["almuerzos caseros", "comida típica chilena", "servicio de colaciones", "cafetería"], ["BPM"]),
    _c("5621", "servicio", ["Banquetería", "Eventos"], ["banquetería para eventos", "coffee break",
                                                         "servicio de catering"], ["BPM", "HACCP"]),
    _c("5629", "servicio", ["Casino", "Alimentación", "Servicios de Alimentación"],
       ["alimentación para trabajadores", "casino de faena", "colaciones para turnos", "servicio de comedor"],
       ["HACCP", "BPM", "ISO22000"]),
    # -- professional and support services
    _c("6201", "servicio", ["Soluciones Informáticas", "Software"],
       ["desarrollo de software", "soporte computacional", "páginas web y comercio electrónico"], ["ISO9001"]),
    _c("6920", "servicio", ["Contadores", "Asesorías Contables"],
       ["contabilidad para pymes", "asesoría tributaria", "remuneraciones"], []),
    _c("7110", "servicio", ["Ingeniería", "Consultora"],
       ["ingeniería de detalle", "topografía", "inspección técnica de obras", "proyectos eléctricos"],
       ["ISO9001"]),
    _c("7120", "servicio", ["Laboratorio", "Análisis"],
       ["análisis de laboratorio", "muestreo de aguas", "análisis de suelos", "ensayos de materiales"],
       ["ISO9001"]),
    _c("7310", "servicio", ["Publicidad", "Comunicaciones"],
       ["diseño gráfico", "publicidad en redes sociales", "material publicitario"], []),
    _c("7500", "servicio", ["Veterinaria", "Servicios Veterinarios"],
       ["servicios veterinarios", "diagnóstico sanitario de peces", "vacunación de peces"], []),
    _c("7730", "servicio", ["Arriendos", "Arriendo de Maquinaria"],
       ["arriendo de maquinaria pesada", "arriendo de grúas horquilla", "arriendo de generadores",
        "arriendo de andamios"], ["ISO45001"]),
    _c("8010", "servicio", ["Seguridad", "Vigilancia"],
       ["guardias de seguridad", "vigilancia de instalaciones", "control de accesos"], []),
    _c("8121", "servicio", ["Servicios de Aseo", "Limpieza"],
       ["aseo de oficinas", "limpieza de instalaciones", "aseo de campamentos", "sanitización"],
       ["ISO45001"]),
    _c("8129", "servicio", ["Limpieza Industrial", "Servicios Industriales"],
       ["limpieza industrial", "limpieza de estanques", "hidrolavado", "limpieza de redes de cultivo"],
       ["ISO45001", "ISO14001"]),
    _c("8130", "servicio", ["Paisajismo", "Jardines"],
       ["mantención de áreas verdes", "paisajismo", "riego de jardines"], [], "de Trabajo"),
    _c("9601", "servicio", ["Lavandería", "Lavaseco"],
       ["lavado de ropa de trabajo", "lavandería industrial", "lavado de ropa de cama"], []),
)}

# Services every industry buys (at a lower weight than its own supply chain).
GENERAL_SERVICES = {
    "5610": 1.0, "5621": 0.6, "1811": 0.6, "9601": 0.5, "6920": 0.5, "7310": 0.4, "6201": 0.3,
    "8010": 0.5, "8121": 0.6, "4520": 0.6,
}
GENERAL_SERVICES_WEIGHT = 0.15  # share of an industry's suppliers that are general services


@dataclass(frozen=True)
class Industry:
    """A buyer industry: what its large companies do, buy and ask for."""

    key: str
    label: str  # Spanish, as in "proveedores de la {label}"
    buyer_sectors: tuple[str, ...]  # ISIC classes of its buyers
    buyer_names: tuple[str, ...]  # how its companies are named ("Compañía Minera")
    suppliers: dict[str, float]  # supplier class -> weight
    certifications: tuple[str, ...]  # what its needs require
    radius_km: tuple[int, int]
    volume_uf: tuple[float, float]  # annual purchase of one need, log-uniform
    contexts: tuple[str, ...]  # "para {context}" in need descriptions
    kinds: dict[str, float] = field(default_factory=dict)  # project kind -> affinity


INDUSTRIES: dict[str, Industry] = {i.key: i for i in (
    Industry(
        "mineria", "minería", ("0729", "0710"),
        ("Compañía Minera", "Minera", "Sociedad Contractual Minera"),
        {"2511": 3, "2592": 2, "3312": 3, "3314": 2, "3320": 1, "4321": 2, "4520": 2, "4923": 3, "5629": 3,
         "1410": 2, "8121": 2, "8129": 1, "3822": 1, "7120": 1, "7730": 1, "4659": 2, "0810": 1, "5510": 1},
        ("ISO9001", "ISO45001", "ISO14001"), (80, 300), (100.0, 3_000.0),
        ("su faena minera", "la planta concentradora", "el campamento de la faena", "sus operaciones en la región"),
        {"cadena_productiva_local": 1.0, "red_proveedores": 1.6, "red_empresarial": 0.3, "cadena_corta": 0.0},
    ),
    Industry(
        "agroindustria", "agroindustria", ("1030", "1102", "0124"),
        ("Agroindustrial", "Exportadora Frutícola", "Viña", "Agrícola y Comercial"),
        {"0124": 2, "0121": 2, "0125": 2, "0113": 2, "0161": 3, "0163": 2, "1702": 1, "1623": 1, "2220": 1,
         "1030": 2, "4923": 2, "5210": 1, "3312": 1, "4653": 1, "2012": 1, "7120": 0.5},
        ("BPA", "GLOBALGAP", "HACCP", "BPM"), (40, 150), (50.0, 2_000.0),
        ("la temporada de cosecha", "su planta de proceso", "sus huertos", "su línea de exportación"),
        {"cadena_productiva_local": 1.4, "red_proveedores": 0.6, "red_empresarial": 0.5, "cadena_corta": 0.8},
    ),
    Industry(
        "forestal", "industria forestal", ("1701", "1610", "0220"),
        ("Forestal", "Maderas", "Celulosa y Maderas"),
        {"0210": 3, "0220": 2, "0240": 3, "1610": 2, "1623": 1, "4923": 3, "4520": 2, "3312": 2, "5629": 1,
         "1410": 1, "4312": 1},
        ("ISO14001", "ISO45001"), (50, 180), (60.0, 2_500.0),
        ("sus faenas forestales", "su aserradero", "el patrimonio forestal de la zona", "su planta de celulosa"),
        {"cadena_productiva_local": 1.2, "red_proveedores": 1.0, "red_empresarial": 0.3, "cadena_corta": 0.0},
    ),
    Industry(
        "salmonicultura", "salmonicultura", ("0321", "1020"),
        ("Salmones", "Acuícola", "Pesquera y Acuícola"),
        {"1394": 3, "3315": 2, "3011": 1, "5012": 2, "3320": 1, "7500": 1, "7120": 1, "1080": 0.5, "5629": 2,
         "8121": 1, "8129": 1, "1020": 2, "0311": 1, "0321": 1, "4923": 2, "2220": 1},
        ("HACCP", "ISO14001", "BPM"), (40, 180), (60.0, 2_500.0),
        ("sus centros de cultivo", "su planta de proceso", "la operación en el mar interior", "sus pontones"),
        {"cadena_productiva_local": 1.0, "red_proveedores": 1.2, "red_empresarial": 0.3, "cadena_corta": 0.0},
    ),
    Industry(
        "retail", "cadena de supermercados", ("4711",),
        ("Supermercados", "Distribuidora", "Comercial"),
        {"1071": 3, "1050": 3, "1010": 2, "1030": 2, "1073": 2, "1079": 2, "1104": 1, "1101": 1, "1102": 1,
         "0113": 2, "0146": 1, "2023": 2, "1410": 1, "1392": 1, "3100": 0.5, "1629": 1, "1061": 1, "1075": 1,
         "4630": 1, "0311": 0.5},
        ("HACCP", "BPM", "ISO22000", "SELLO_PROPYME", "SELLO_MUJER"), (30, 120), (20.0, 800.0),
        ("sus locales de la región", "la sección de productos locales", "su centro de distribución regional",
         "la góndola de productos regionales"),
        {"cadena_productiva_local": 0.4, "red_proveedores": 0.4, "red_empresarial": 1.0, "cadena_corta": 1.6},
    ),
    Industry(
        "construccion", "construcción", ("4100", "4210"),
        ("Constructora", "Empresa Constructora", "Inmobiliaria y Constructora"),
        {"2395": 2, "2392": 1, "1622": 2, "2511": 2, "4321": 2, "4322": 2, "4330": 3, "4390": 2, "4312": 2,
         "0810": 2, "4663": 2, "7110": 1, "4923": 1, "7730": 1, "8121": 1},
        ("ISO9001", "ISO45001"), (30, 120), (60.0, 2_000.0),
        ("sus obras en la región", "un proyecto habitacional", "la obra vial en ejecución",
         "sus edificios en construcción"),
        {"cadena_productiva_local": 0.5, "red_proveedores": 1.0, "red_empresarial": 0.8, "cadena_corta": 0.0},
    ),
)}

# Which industries buy in each region (relative weights): where projects and buyers are, and
# which supply chain a firm that is not in a project belongs to.
INDUSTRY_BY_REGION: dict[str, dict[str, float]] = {
    "15": {"mineria": 0.25, "agroindustria": 0.25, "retail": 0.25, "construccion": 0.25},
    "01": {"mineria": 0.35, "agroindustria": 0.05, "retail": 0.30, "construccion": 0.30},
    "02": {"mineria": 0.45, "retail": 0.25, "construccion": 0.30},
    "03": {"mineria": 0.40, "agroindustria": 0.15, "retail": 0.20, "construccion": 0.25},
    "04": {"mineria": 0.25, "agroindustria": 0.30, "retail": 0.20, "construccion": 0.25},
    "05": {"mineria": 0.08, "agroindustria": 0.30, "retail": 0.32, "construccion": 0.30},
    "13": {"mineria": 0.05, "agroindustria": 0.15, "retail": 0.45, "construccion": 0.35},
    "06": {"mineria": 0.15, "agroindustria": 0.45, "retail": 0.20, "construccion": 0.20},
    "07": {"agroindustria": 0.45, "forestal": 0.15, "retail": 0.20, "construccion": 0.20},
    "16": {"agroindustria": 0.35, "forestal": 0.30, "retail": 0.15, "construccion": 0.20},
    "08": {"agroindustria": 0.10, "forestal": 0.40, "retail": 0.25, "construccion": 0.25},
    "09": {"agroindustria": 0.30, "forestal": 0.30, "retail": 0.20, "construccion": 0.20},
    "14": {"agroindustria": 0.20, "forestal": 0.30, "salmonicultura": 0.15, "retail": 0.15, "construccion": 0.20},
    "10": {"agroindustria": 0.15, "forestal": 0.05, "salmonicultura": 0.45, "retail": 0.15, "construccion": 0.20},
    "11": {"forestal": 0.15, "salmonicultura": 0.45, "retail": 0.20, "construccion": 0.20},
    "12": {"mineria": 0.05, "agroindustria": 0.10, "salmonicultura": 0.35, "retail": 0.25, "construccion": 0.25},
}

# Firm-name pieces that are not people's names (Chilean place-like fantasy names).
FANTASY_NAMES = (
    "Los Boldos", "El Roble", "Las Vertientes", "San José", "Santa Elena", "El Quillay", "Los Aromos",
    "Las Acacias", "El Maitén", "Los Canelos", "Las Encinas", "La Esperanza", "El Progreso", "Nueva Aurora",
    "Los Copihues", "Las Araucarias", "El Peumo", "Los Litres", "Los Coigües", "Las Lomas", "El Mirador",
    "Cordillera", "Del Valle", "Austral", "Pacífico", "Andino", "Del Sur", "Del Norte", "Altiplano",
    "Los Alerces", "El Arrayán", "Las Bandurrias", "Los Queltehues", "El Pangue", "La Quebrada", "Las Pircas",
    "Dos Ríos", "Tres Esteros", "Santa Rosa", "San Antonio", "La Viña", "El Sauce", "Los Molles", "Los Maquis",
    "Las Mercedes", "La Candelaria", "El Huique", "Los Tilos", "Las Nieves", "Buena Vista", "El Retiro",
    "Las Palmas", "Los Olivos", "El Manantial", "La Frontera", "Los Volcanes", "Bahía Azul", "Puerto Claro",
    "Isla Grande", "Los Cerrillos", "Valle Verde", "Tierra Buena", "Sol del Valle", "Cerro Alto",
)
