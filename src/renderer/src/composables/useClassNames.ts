import { useI18n } from 'vue-i18n';
import { FASHION_CLASSES } from '@shared/datasets';

/**
 * Class names in the user's language. Datasets carry their class names in
 * English (Fashion-MNIST's "Ankle boot"); the known ones are translated,
 * digits and the names of imported datasets are shown as they are.
 */
export function useClassNames(): (classNames: readonly string[]) => string[] {
  const { tm, rt } = useI18n();
  return (classNames) => {
    const isFashion = classNames.length === FASHION_CLASSES.length && classNames.every((name, i) => name === FASHION_CLASSES[i]);
    if (!isFashion) return [...classNames];
    const messages: Parameters<typeof rt>[0][] = tm('data.fashionClasses');
    return messages.map((message) => rt(message));
  };
}
