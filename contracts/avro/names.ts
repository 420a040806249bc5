/** Avro names allow [A-Za-z0-9_]: the element `N.O.` becomes the field `N_O`. */
export const avroName = (element: string): string => element.replace(/[^A-Za-z0-9_]/g, '_').replace(/_+$/, '');
